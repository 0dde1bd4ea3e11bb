// Chronos's error answers. Every resource catches what it throws the same way: an
// IllegalArgumentException (a failed `require`) is a 400, anything else a 500, and the body is an
// ApiResult `{"message": ..., "status": <reason phrase>}` whose message is the exception's stack
// trace. We send the trace's first line, `<exception class>: <message>`, which is what people read.
import { STATUS_CODES } from 'node:http';
import { JobValidationError } from '../job.js';
import { ChronosRequestError } from '../service.js';
import type { ApiResponse } from './request.js';

/** An answer other than success, with the ApiResult body. */
export class ChronosHttpError extends Error {
  override name = 'ChronosHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiResultBody {
  message: string;
  /** The status's reason phrase: "Bad Request", "Internal Server Error", ... */
  status: string;
}

export function apiResult(status: number, message: string): ApiResultBody {
  return { message, status: STATUS_CODES[status] ?? String(status) };
}

/** Scala's `require(cond, message)` failing inside a resource. */
export function requirementFailed(message: string): ChronosHttpError {
  return new ChronosHttpError(400, `java.lang.IllegalArgumentException: requirement failed: ${message}`);
}

/** GET/PUT /job/{name} and /job/stat/{name} on an unknown job. */
export function unknownJob(name: string): ChronosHttpError {
  return requirementFailed(`Job '${name}' not found`);
}

/** DELETE /job/{name} and /task/kill/{name} on an unknown job (those resources say JobSchedule). */
export function unknownJobSchedule(name: string): ChronosHttpError {
  return requirementFailed(`JobSchedule '${name}' not found`);
}

/** Status and body for anything a handler threw; unexpected errors are 500s with their message. */
export function errorResponse(err: unknown): ApiResponse {
  if (err instanceof ChronosHttpError)
    return { status: err.status, body: apiResult(err.status, err.message) };
  if (err instanceof JobValidationError) {
    const message = err.javaException === null ? err.message : `${err.javaException}: ${err.message}`;
    return { status: err.status, body: apiResult(err.status, message) };
  }
  if (err instanceof ChronosRequestError)
    return { status: err.status, body: apiResult(err.status, err.message) };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: apiResult(500, message) };
}
