// Error answers of Marathon's REST layer, mapped the way MarathonExceptionMapper maps exceptions to
// status codes: the body is always `{"message": ..., "details"?: ...}` (plus `deployments` on 409s).
import { JsonTypeError, ValidationError } from '../model/errors.js';
import { DeploymentLockedError, NotReadyError } from '../service.js';

export interface ErrorBody {
  message: string;
  [field: string]: unknown;
}

/** An answer other than success, with Marathon's JSON error body. */
export class MarathonHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
  }
}

export function badRequest(message: string): MarathonHttpError {
  return new MarathonHttpError(400, { message });
}

export function notFound(message: string): MarathonHttpError {
  return new MarathonHttpError(404, { message });
}

export function conflict(message: string): MarathonHttpError {
  return new MarathonHttpError(409, { message });
}

/** IllegalArgumentException in Marathon: 422 with just a message. */
export function unprocessable(message: string): MarathonHttpError {
  return new MarathonHttpError(422, { message });
}

export function unknownApp(id: string, version?: string): MarathonHttpError {
  return notFound(`App '${id}' does not exist${version === undefined ? '' : ` in version ${version}`}`);
}

export function unknownGroup(id: string): MarathonHttpError {
  return notFound(`Group '${id}' does not exist`);
}

export function unknownTask(id: string): MarathonHttpError {
  return notFound(`Task '${id}' does not exist`);
}

/** Status and body for anything a handler threw; unexpected errors are 500s with their message. */
export function errorResponse(err: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (err instanceof MarathonHttpError)
    return { status: err.status, body: err.body, headers: { ...err.headers } };
  // JsResultException: 422 when every error is a validation error, which all of the readers' are
  // (MarathonExceptionMapperTest); only unparseable text is a 400.
  if (err instanceof JsonTypeError) {
    return { status: 422, body: { message: 'Invalid JSON', details: err.details }, headers: {} };
  }
  if (err instanceof ValidationError) {
    return { status: 422, body: { message: 'Object is not valid', details: err.details }, headers: {} };
  }
  if (err instanceof DeploymentLockedError) {
    return {
      status: 409,
      body: { message: err.message, deployments: err.deploymentIds.map((id) => ({ id })) },
      headers: {},
    };
  }
  if (err instanceof NotReadyError) {
    return { status: 503, body: { message: err.message || 'Marathon is not ready yet' }, headers: {} };
  }
  return { status: 500, body: { message: err instanceof Error ? err.message : String(err) }, headers: {} };
}
