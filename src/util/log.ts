// Structured, quiet-by-default logging: one JSON object per line, to the node's log file (or stderr).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where lines go; absent means stderr. */
  file?: string;
  level?: LogLevel;
  fields?: LogFields;
  now?: () => number;
}

export function parseLogLevel(text: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (text === undefined) return fallback;
  const lower = text.toLowerCase();
  if (lower in LEVELS) return lower as LogLevel;
  throw new Error(`Unknown log level '${text}' (expected debug, info, warn or error)`);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  const write = (line: string): void => {
    // Synchronous appends: a node that crashes still leaves its last words in the file.
    if (options.file) appendFileSync(options.file, line);
    else process.stderr.write(line);
  };
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVELS[level] < threshold) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...base, ...fields }) + '\n');
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** A logger that drops everything: for unit tests and benchmarks. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
