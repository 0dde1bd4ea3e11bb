// The I/O half of the matchers: one function per observation, reading the public endpoints of the
// cluster's masters, Marathon and Chronos over plain HTTP (no testing handle needed).
import type { ClusterInfo } from '../../cluster/lifecycle.js';
import type { Role } from '../../cluster/spec.js';
import { getJson, httpGet } from '../../util/http-client.js';
import type {
  AppDeploymentObservation,
  AppObservation,
  ChronosJobJson,
  DeploymentJson,
  FrameworksJson,
  LeaderObservation,
  LeaderService,
  MarathonAppJson,
  SlavesJson,
  TasksJson,
} from './checks.js';
import { canonicalAppId } from './checks.js';
import { serviceUrls } from './cluster-like.js';

type ServiceRole = Extract<Role, 'master' | 'marathon' | 'chronos'>;

const ROLE_NAMES: Record<ServiceRole, string> = {
  master: 'Mesos master',
  marathon: 'Marathon',
  chronos: 'Chronos',
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Asks each URL of the role in turn and returns the first answer; throws with every error. */
async function fromAny<T>(
  info: ClusterInfo,
  role: ServiceRole,
  ask: (url: string) => Promise<T>,
): Promise<T> {
  const urls = serviceUrls(info, role);
  if (urls.length === 0) throw new Error(`cluster '${info.name}' has no ${ROLE_NAMES[role]}`);
  const errors: string[] = [];
  for (const url of urls) {
    try {
      return await ask(url);
    } catch (err) {
      errors.push(message(err));
    }
  }
  throw new Error(errors.join('; '));
}

/** GET that keeps the status: 4xx answers are observations too (an unknown app, no leader). */
async function getWithStatus(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const res = await httpGet(url, timeoutMs);
  if (res.status >= 500) throw new Error(`GET ${url} answered ${res.status}: ${res.body.trim()}`);
  return { status: res.status, body: res.body };
}

export function observeAgents(info: ClusterInfo, timeoutMs: number): Promise<SlavesJson> {
  return fromAny(info, 'master', (url) => getJson<SlavesJson>(`${url}/master/slaves`, timeoutMs));
}

export function observeFrameworks(info: ClusterInfo, timeoutMs: number): Promise<FrameworksJson> {
  return fromAny(info, 'master', (url) => getJson<FrameworksJson>(`${url}/master/frameworks`, timeoutMs));
}

/** Every task the master knows, newest first (/master/tasks pages 100 by default). */
export function observeTasks(info: ClusterInfo, timeoutMs: number): Promise<TasksJson> {
  return fromAny(info, 'master', (url) =>
    getJson<TasksJson>(`${url}/master/tasks?limit=100000&order=desc`, timeoutMs),
  );
}

async function leaderOf(
  info: ClusterInfo,
  service: LeaderService,
  timeoutMs: number,
): Promise<LeaderObservation> {
  try {
    const leader = await fromAny(info, service, async (url) => {
      if (service === 'master') {
        // A standby redirects to the leader; with no leader the master answers 503.
        const state = await getJson<{ leader?: string }>(`${url}/master/state`, timeoutMs);
        if (!state.leader) throw new Error(`${url}/master/state names no leader`);
        return state.leader;
      }
      const path = service === 'marathon' ? '/v2/leader' : '/v1/scheduler/leader';
      const res = await getWithStatus(`${url}${path}`, timeoutMs);
      const answer = res.status === 200 ? (JSON.parse(res.body) as { leader?: string | null }) : {};
      if (!answer.leader) throw new Error(`GET ${url}${path} answered ${res.status}: ${res.body.trim()}`);
      return answer.leader;
    });
    return { service, leader };
  } catch (err) {
    return { service, leader: null, why: message(err) };
  }
}

export function observeLeaders(
  info: ClusterInfo,
  services: readonly LeaderService[],
  timeoutMs: number,
): Promise<LeaderObservation[]> {
  return Promise.all(services.map((s) => leaderOf(info, s, timeoutMs)));
}

export function observeApp(info: ClusterInfo, id: string, timeoutMs: number): Promise<AppObservation> {
  const appId = canonicalAppId(id);
  return fromAny(info, 'marathon', async (url) => {
    const res = await getWithStatus(
      `${url}/v2/apps${appId}?embed=apps.tasks&embed=apps.counts&embed=apps.deployments&embed=apps.lastTaskFailure`,
      timeoutMs,
    );
    if (res.status !== 200) return { found: false, status: res.status, body: res.body };
    return { found: true, app: (JSON.parse(res.body) as { app: MarathonAppJson }).app };
  });
}

export async function observeDeployment(
  info: ClusterInfo,
  id: string,
  timeoutMs: number,
): Promise<AppDeploymentObservation> {
  const [deployments, app] = await Promise.all([
    fromAny(info, 'marathon', (url) => getJson<DeploymentJson[]>(`${url}/v2/deployments`, timeoutMs)),
    observeApp(info, id, timeoutMs),
  ]);
  return { app, deployments };
}

/** Chronos jobs whose name contains `name` (the search is by substring; the check picks the exact one). */
export function observeJobs(info: ClusterInfo, name: string, timeoutMs: number): Promise<ChronosJobJson[]> {
  return fromAny(info, 'chronos', (url) =>
    getJson<ChronosJobJson[]>(
      `${url}/v1/scheduler/jobs/search?name=${encodeURIComponent(name)}&limit=1000`,
      timeoutMs,
    ),
  );
}
