// Chronos task ids: `ct:<dueMillis>:<attempt>:<jobName>:<arguments>` (TaskUtils in Chronos 3.x). The id
// carries everything a status update needs to find its run again, so a restarted Chronos can take
// over tasks it learns of by reconciliation alone.

export interface ChronosTaskId {
  /** When the run was due (the scheduled time, or the moment of a manual or dependent trigger). */
  readonly due: number;
  /** 0 for the first try, n for the nth retry. */
  readonly attempt: number;
  readonly jobName: string;
  /** Extra arguments of a manual run (`PUT /job/{name}?arguments=`), '' otherwise. */
  readonly args: string;
}

const PREFIX = 'ct';

export function formatTaskId(id: ChronosTaskId): string {
  return `${PREFIX}:${id.due}:${id.attempt}:${id.jobName}:${id.args}`;
}

/** The parts of a Chronos task id, or null for an id Chronos did not make. */
export function parseTaskId(text: string): ChronosTaskId | null {
  const parts = text.split(':');
  if (parts.length < 5 || parts[0] !== PREFIX) return null;
  const due = Number(parts[1]);
  const attempt = Number(parts[2]);
  const jobName = parts[3]!;
  if (!Number.isSafeInteger(due) || !Number.isSafeInteger(attempt) || attempt < 0 || jobName === '')
    return null;
  // Arguments may themselves hold colons.
  return { due, attempt, jobName, args: parts.slice(4).join(':') };
}
