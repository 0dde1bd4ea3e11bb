// `sandbox logs NODE [--follow]`: a node's own log. `sandbox logs --task ID [--stderr]`: a task's
// stdout (or stderr) from its sandbox, through the agent's /files API as any Mesos user would.
import type { Command } from 'commander';
import type { Driver } from '../../src/cluster/drivers/driver.js';
import { getJson } from '../../src/util/http-client.js';
import { sleep } from '../../src/util/wait.js';
import { CliError, EXIT } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

interface ExecutorJson {
  type?: string;
  directory: string;
  tasks?: Array<{ id: string }>;
  completed_tasks?: Array<{ id: string }>;
  queued_tasks?: Array<{ id: string }>;
}
interface FrameworkJson {
  executors?: ExecutorJson[];
  completed_executors?: ExecutorJson[];
}
interface AgentStateJson {
  frameworks?: FrameworkJson[];
  completed_frameworks?: FrameworkJson[];
}

/** The agent (its host-reachable URL) and sandbox file of a task, searching every agent's /state. */
async function findTaskFile(
  driver: Driver,
  name: string,
  taskId: string,
  file: 'stdout' | 'stderr',
): Promise<{ agentUrl: string; path: string }> {
  const agents = (await driver.nodes(name)).filter((n) => n.role === 'agent' && n.state === 'running');
  for (const agent of agents) {
    const agentUrl = `http://${agent.address}`;
    const state = await getJson<AgentStateJson>(`${agentUrl}/state`, 5000).catch(() => null);
    const frameworks = [...(state?.frameworks ?? []), ...(state?.completed_frameworks ?? [])];
    for (const executor of frameworks.flatMap((f) => [
      ...(f.executors ?? []),
      ...(f.completed_executors ?? []),
    ])) {
      const tasks = [
        ...(executor.tasks ?? []),
        ...(executor.completed_tasks ?? []),
        ...(executor.queued_tasks ?? []),
      ];
      if (!tasks.some((t) => t.id === taskId)) continue;
      // Tasks of a group (the default executor) have their own sandbox below the executor's.
      const path =
        executor.type === 'DEFAULT'
          ? `${executor.directory}/tasks/${taskId}/${file}`
          : `${executor.directory}/${file}`;
      return { agentUrl, path };
    }
  }
  throw new CliError(`no agent of '${name}' knows task '${taskId}'`, EXIT.notFound);
}

async function writeTaskLog(
  agentUrl: string,
  path: string,
  follow: boolean,
  signal: AbortSignal,
): Promise<void> {
  let offset = 0;
  for (;;) {
    const chunk = await getJson<{ data: string; offset: number }>(
      `${agentUrl}/files/read?path=${encodeURIComponent(path)}&offset=${offset}&length=1048576`,
      10_000,
    );
    if (chunk.data.length > 0) {
      process.stdout.write(chunk.data);
      offset += Buffer.byteLength(chunk.data);
      continue;
    }
    if (!follow || signal.aborted) return;
    await sleep(500);
  }
}

export function registerLogs(program: Command): void {
  nameOption(program.command('logs [node]'))
    .description("a node's log (e.g. sandbox logs master-1), or a task's output with --task")
    .option('-f, --follow', 'keep printing what is written')
    .option('--task <id>', "print a task's stdout from its sandbox")
    .option('--stderr', "with --task: the task's stderr instead")
    .action(
      action(
        async (
          node: string | undefined,
          opts: { name?: string; follow?: boolean; task?: string; stderr?: boolean },
        ) => {
          if ((node === undefined) === (opts.task === undefined)) {
            throw new CliError(
              'name a node (sandbox logs master-1) or a task (sandbox logs --task ID)',
              EXIT.usage,
            );
          }
          const { name, driver } = await clusterDriver(opts);
          const abort = new AbortController();
          process.once('SIGINT', () => abort.abort());
          if (opts.task !== undefined) {
            const { agentUrl, path } = await findTaskFile(
              driver,
              name,
              opts.task,
              opts.stderr ? 'stderr' : 'stdout',
            );
            await writeTaskLog(agentUrl, path, opts.follow ?? false, abort.signal);
            return;
          }
          await driver.writeLog(name, node!, process.stdout, {
            follow: opts.follow ?? false,
            signal: abort.signal,
          });
        },
      ),
    );
}
