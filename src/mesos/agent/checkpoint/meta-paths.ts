// Where the agent checkpoints what it must know after a restart, in Mesos's layout
// (src/slave/paths.cpp), under <work_dir>/meta:
//
//   meta/boot_id                                  the boot the checkpoint belongs to
//   meta/slaves/latest -> <agent id>
//   meta/slaves/<agent id>/slave.info
//     frameworks/<fid>/framework.info
//       executors/<eid>/executor.info
//         runs/<cid>/tasks/<tid>/task.info
//                                task.updates     one JSON line per status update or acknowledgement
//
// Only frameworks with `checkpoint: true` are written here (as in Mesos). Containers of every
// framework have a runtime directory, <work_dir>/runtime/containers/<cid> (Mesos's --runtime_dir),
// so a restarted agent can also find and destroy what it must not keep.
import { join } from 'node:path';

export const metaDir = (workDir: string): string => join(workDir, 'meta');
export const bootIdPath = (workDir: string): string => join(metaDir(workDir), 'boot_id');
export const latestAgentLink = (workDir: string): string => join(metaDir(workDir), 'slaves', 'latest');
export const agentMetaDir = (workDir: string, agentId: string): string =>
  join(metaDir(workDir), 'slaves', agentId);
export const agentInfoPath = (workDir: string, agentId: string): string =>
  join(agentMetaDir(workDir, agentId), 'slave.info');

export const frameworkMetaDir = (workDir: string, agentId: string, frameworkId: string): string =>
  join(agentMetaDir(workDir, agentId), 'frameworks', frameworkId);

export const executorMetaDir = (
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
): string => join(frameworkMetaDir(workDir, agentId, frameworkId), 'executors', executorId);

export function taskMetaDir(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
  taskId: string,
): string {
  return join(
    executorMetaDir(workDir, agentId, frameworkId, executorId),
    'runs',
    containerId,
    'tasks',
    taskId,
  );
}

export const containersRuntimeDir = (workDir: string): string => join(workDir, 'runtime', 'containers');
export const containerRuntimeDir = (workDir: string, containerId: string): string =>
  join(containersRuntimeDir(workDir), containerId);
