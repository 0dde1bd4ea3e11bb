// Marathon's state in ZooKeeper under `<zk path>/state`, one znode per entity as Marathon 1.4+ lays
// it out (categories apps, group, deployment, instance, framework-id), with JSON values instead of
// protobuf. Values over 64 KiB are gzipped, as Marathon's --zk_compression does.
//
// Writes of instances are many (every task state change) and only need to be durable eventually:
// they go through a write-behind queue that keeps the latest value per instance. Apps, groups and
// deployments are written before the caller answers the request.
import { gunzipSync, gzipSync } from 'node:zlib';
import { isZkError, type ZkClient } from '../../zookeeper/client.js';
import type { Logger } from '../../util/log.js';
import type { AppDefinition, DeploymentPlan, Instance, RootGroup, Timestamp } from '../model/types.js';
import { safeId } from '../model/path-id.js';

const GZIP_MAGIC = 0x1f;
const COMPRESS_ABOVE = 64 * 1024;

export interface StoredState {
  frameworkId: string | null;
  root: RootGroup | null;
  /** Root versions, newest first (the current one included). */
  rootVersions: Timestamp[];
  deployments: DeploymentPlan[];
  instances: Instance[];
}

export class MarathonStore {
  private readonly pendingInstances = new Map<string, Instance | null>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly zk: ZkClient,
    /** e.g. '/marathon' */
    private readonly base: string,
    private readonly log: Logger,
    private readonly maxVersions = 50,
  ) {}

  private path(...parts: string[]): string {
    return `${this.base === '/' ? '' : this.base}/state/${parts.join('/')}`;
  }

  async init(): Promise<void> {
    for (const category of ['apps', 'group', 'deployment', 'instance'])
      await this.zk.mkdirp(this.path(category));
  }

  async load(): Promise<StoredState> {
    const frameworkIdRaw = await this.zk.getData(this.path('framework-id'));
    const rootRaw = await this.readJson<RootGroup>(this.path('group', 'root'));
    const rootVersions = sortNewestFirst(await this.children(this.path('group', 'versions')));
    const deployments: DeploymentPlan[] = [];
    for (const id of await this.children(this.path('deployment'))) {
      const plan = await this.readJson<DeploymentPlan>(this.path('deployment', id));
      if (plan) deployments.push(plan);
    }
    const instanceIds = await this.children(this.path('instance'));
    const instances = (
      await Promise.all(instanceIds.map((id) => this.readJson<Instance>(this.path('instance', id))))
    ).filter((i): i is Instance => i !== null);
    return {
      frameworkId: frameworkIdRaw && frameworkIdRaw.length > 0 ? frameworkIdRaw.toString('utf8') : null,
      root: rootRaw,
      rootVersions,
      deployments,
      instances,
    };
  }

  async saveFrameworkId(id: string): Promise<void> {
    await this.zk.put(this.path('framework-id'), Buffer.from(id, 'utf8'));
  }

  /** Stores the current root, keeps it as a version, and stores the version of every changed app. */
  async saveRoot(root: RootGroup, changedApps: readonly AppDefinition[]): Promise<void> {
    await Promise.all(changedApps.map((app) => this.saveAppVersion(app)));
    await this.writeJson(this.path('group', 'versions', root.version), root);
    await this.writeJson(this.path('group', 'root'), root);
    await this.trimVersions(this.path('group', 'versions'));
  }

  async rootAt(version: Timestamp): Promise<RootGroup | null> {
    return this.readJson<RootGroup>(this.path('group', 'versions', version));
  }

  async saveAppVersion(app: AppDefinition): Promise<void> {
    await this.writeJson(this.path('apps', safeId(app.id), app.version), app);
    await this.trimVersions(this.path('apps', safeId(app.id)));
  }

  async appVersions(appId: string): Promise<Timestamp[]> {
    return sortNewestFirst(await this.children(this.path('apps', safeId(appId))));
  }

  async appAt(appId: string, version: Timestamp): Promise<AppDefinition | null> {
    return this.readJson<AppDefinition>(this.path('apps', safeId(appId), version));
  }

  async saveDeployment(plan: DeploymentPlan): Promise<void> {
    await this.writeJson(this.path('deployment', plan.id), plan);
  }

  async removeDeployment(id: string): Promise<void> {
    await this.zk.remove(this.path('deployment', id));
  }

  /** Queues the instance's latest value (null: delete) for the write-behind flush. */
  saveInstance(instance: Instance): void {
    this.pendingInstances.set(instance.instanceId, structuredClone(instance));
    this.scheduleFlush();
  }

  removeInstance(instanceId: string): void {
    this.pendingInstances.set(instanceId, null);
    this.scheduleFlush();
  }

  /** Resolves once every queued instance write has reached ZooKeeper. */
  async flush(): Promise<void> {
    while (this.flushing || this.pendingInstances.size > 0) {
      if (!this.flushing) this.scheduleFlush();
      await this.flushing;
    }
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      try {
        while (this.pendingInstances.size > 0) {
          const batch = [...this.pendingInstances.entries()];
          this.pendingInstances.clear();
          await Promise.all(
            batch.map(([id, value]) =>
              (value === null
                ? this.zk.remove(this.path('instance', id))
                : this.writeJson(this.path('instance', id), value)
              ).catch((err: unknown) => {
                this.log.warn('Could not store instance', { instanceId: id, error: (err as Error).message });
              }),
            ),
          );
        }
      } finally {
        this.flushing = null;
      }
    })();
  }

  private async children(path: string): Promise<string[]> {
    try {
      return await this.zk.getChildren(path);
    } catch (err) {
      if (isZkError(err, 'NO_NODE')) return [];
      throw err;
    }
  }

  private async trimVersions(path: string): Promise<void> {
    const versions = sortNewestFirst(await this.children(path));
    await Promise.all(versions.slice(this.maxVersions).map((v) => this.zk.remove(`${path}/${v}`)));
  }

  private async readJson<T>(path: string): Promise<T | null> {
    const data = await this.zk.getData(path);
    if (!data || data.length === 0) return null;
    const text = (data[0] === GZIP_MAGIC ? gunzipSync(data) : data).toString('utf8');
    return JSON.parse(text) as T;
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    const raw = Buffer.from(JSON.stringify(value), 'utf8');
    await this.zk.put(path, raw.length > COMPRESS_ABOVE ? gzipSync(raw) : raw);
  }
}

/** ISO timestamps of one format sort as text. */
function sortNewestFirst(versions: string[]): string[] {
  return versions.sort().reverse();
}
