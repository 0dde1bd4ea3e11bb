// Chronos's state in ZooKeeper, laid out as Chronos 3.x keeps it under its --zk_path: one znode per
// job, `<zk path>/state/J_<name>` holding the job JSON (the API's serializer), and
// `<zk path>/state/frameworkId`. Chronos wraps the bytes in Mesos's ZooKeeperState entries; we store
// the JSON as is. Counters (successCount, errorCount, lastSuccess...) live in the job JSON, so they
// survive a restart; queues, running tasks and dependency counts are rebuilt, as in Chronos.
import type { ZkClient } from '../../zookeeper/client.js';
import type { Logger } from '../../util/log.js';
import { readJob, renderJob, type Job, type JobDefaults } from '../job.js';

const JOB_PREFIX = 'J_';

export interface StoredChronosState {
  frameworkId: string | null;
  /** Jobs by name order; a znode that does not read as a job is logged and skipped. */
  jobs: Job[];
}

export class ChronosStore {
  constructor(
    private readonly zk: ZkClient,
    /** e.g. '/chronos' */
    private readonly base: string,
    private readonly log: Logger,
  ) {}

  private path(name: string): string {
    return `${this.base === '/' ? '' : this.base}/state/${name}`;
  }

  async load(now: number, defaults: JobDefaults): Promise<StoredChronosState> {
    const dir = this.path('').slice(0, -1);
    await this.zk.mkdirp(dir);
    const frameworkIdRaw = await this.zk.getData(this.path('frameworkId'));
    const names = (await this.zk.getChildren(dir)).filter((n) => n.startsWith(JOB_PREFIX)).sort();
    const raws = await Promise.all(names.map((n) => this.zk.getData(this.path(n))));
    const jobs: Job[] = [];
    raws.forEach((raw, i) => {
      if (!raw || raw.length === 0) return;
      try {
        jobs.push(readJob(JSON.parse(raw.toString('utf8')), { now, defaults }));
      } catch (err) {
        this.log.error('Skipping a stored job that does not read', {
          znode: names[i],
          error: (err as Error).message,
        });
      }
    });
    return {
      frameworkId: frameworkIdRaw && frameworkIdRaw.length > 0 ? frameworkIdRaw.toString('utf8') : null,
      jobs,
    };
  }

  async saveJob(job: Job): Promise<void> {
    await this.zk.put(this.path(`${JOB_PREFIX}${job.name}`), JSON.stringify(renderJob(job)));
  }

  async deleteJob(name: string): Promise<void> {
    await this.zk.remove(this.path(`${JOB_PREFIX}${name}`));
  }

  async saveFrameworkId(id: string): Promise<void> {
    await this.zk.put(this.path('frameworkId'), id);
  }
}
