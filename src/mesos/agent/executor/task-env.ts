// The environment a task sees, as the Mesos agent and command executor set it up (plus the PORT*
// variables Marathon-style tasks expect from their ports resources).
import { rangesOf, takeFromRanges } from '../../protocol/resources.js';
import type { TaskInfo } from '../../protocol/types.js';

export interface TaskEnvContext {
  frameworkId: string;
  executorId: string;
  agentId: string;
  agentHost: string;
  agentPort: number;
  sandbox: string;
  /** Variables the agent passes through from its own environment (PATH, ...). */
  inherited: Record<string, string>;
}

export function taskEnvironment(task: TaskInfo, ctx: TaskEnvContext): Record<string, string> {
  const env: Record<string, string> = { ...ctx.inherited };
  const ports = takeFromRanges(rangesOf(task.resources ?? [], 'ports'), Number.MAX_SAFE_INTEGER);
  ports.forEach((p, i) => (env[`PORT${i}`] = String(p)));
  if (ports.length > 0) {
    env.PORT = String(ports[0]);
    env.PORTS = ports.join(',');
  }
  Object.assign(env, {
    HOST: ctx.agentHost,
    MESOS_SANDBOX: ctx.sandbox,
    MESOS_DIRECTORY: ctx.sandbox,
    MESOS_TASK_ID: task.task_id.value,
    MESOS_FRAMEWORK_ID: ctx.frameworkId,
    MESOS_EXECUTOR_ID: ctx.executorId,
    MESOS_AGENT_ENDPOINT: `${ctx.agentHost}:${ctx.agentPort}`,
    MESOS_SLAVE_ID: ctx.agentId,
    MESOS_SLAVE_PID: `slave(1)@${ctx.agentHost}:${ctx.agentPort}`,
    MESOS_CHECKPOINT: '0',
  });
  // The task's own variables come last: they win over everything the agent sets.
  for (const v of task.command?.environment?.variables ?? []) {
    if ((v.type ?? 'VALUE') === 'VALUE' && v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

/** The agent passes on only what a task needs to find programs and locales, not its own secrets. */
export function inheritedEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'LANG', 'LC_ALL', 'TZ', 'HOME', 'USER', 'SHELL', 'TMPDIR']) {
    const v = source[name];
    if (v !== undefined) out[name] = v;
  }
  out.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return out;
}
