// `POST /api/v1/scheduler`: the HTTP shell around Master's scheduler calls. The checks and their
// order, status codes and texts follow Master::Http::scheduler (src/master/http.cpp).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newUuid } from '../protocol/ids.js';
import { isPlainObject, stripNulls } from '../protocol/json.js';
import type { SchedulerCall } from '../protocol/types.js';
import { HttpError, RecordIOStream, readBody, sendError, sendText } from '../../util/http.js';
import type { Master } from './master.js';
import type { FrameworkStream } from './model.js';
import { CALL_TYPES, validateSchedulerCall } from './validation.js';

const APPLICATION_JSON = 'application/json';
const APPLICATION_PROTOBUF = 'application/x-protobuf';

/** Parses a JSON request body into a call of the given API, with Mesos's error texts. */
export function parseJsonCall<T>(req: IncomingMessage, body: Buffer, what: string): T {
  const contentType = req.headers['content-type'];
  if (contentType === undefined) throw new HttpError(400, "Expecting 'Content-Type' to be present");
  if (contentType === APPLICATION_PROTOBUF) {
    throw new HttpError(
      415,
      `This master speaks JSON only for now: expecting 'Content-Type' of ${APPLICATION_JSON}`,
    );
  }
  if (contentType !== APPLICATION_JSON) {
    throw new HttpError(415, `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `Failed to parse body into JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(value)) {
    throw new HttpError(400, `Failed to convert JSON into ${what} protobuf: Expecting a JSON object`);
  }
  return stripNulls(value) as T;
}

/** Whether the request's Accept header allows JSON (absent or * / * allow anything). */
export function acceptsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .some((type) => type === APPLICATION_JSON || type === '*/*' || type === 'application/*');
}

export async function handleSchedulerRequest(
  master: Master,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    if (req.method !== 'POST') {
      throw new HttpError(405, `Expecting one of { 'POST' }, but received '${req.method ?? ''}'`, {
        Allow: 'POST',
      });
    }
    const body = await readBody(req);
    const call = parseJsonCall<SchedulerCall>(req, body, 'Call');
    if (call.type !== undefined && !CALL_TYPES.has(call.type)) {
      // An unknown enum name in an optional field is dropped by Mesos's parser: the call is UNKNOWN.
      throw new HttpError(501, '');
    }
    const invalid = validateSchedulerCall(call);
    if (invalid) throw new HttpError(400, `Failed to validate scheduler::Call: ${invalid}`);

    if (call.type === 'SUBSCRIBE') {
      if (!acceptsJson(req)) {
        throw new HttpError(
          406,
          `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'`,
        );
      }
      if (req.headers['mesos-stream-id'] !== undefined) {
        throw new HttpError(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      }
      subscribe(master, call, res);
      return;
    }

    const fw = master.frameworks.get(call.framework_id!.value);
    if (!fw) throw new HttpError(400, 'Framework cannot be found');
    if (!fw.connected || !fw.stream) throw new HttpError(403, 'Framework is not subscribed');
    const streamId = req.headers['mesos-stream-id'];
    if (streamId === undefined) {
      throw new HttpError(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    }
    if (streamId !== fw.stream.streamId) {
      throw new HttpError(
        400,
        `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`,
      );
    }
    if (call.type === 'UNKNOWN') throw new HttpError(501, '');
    master.handleCall(fw, call);
    if (call.type === 'UPDATE_FRAMEWORK') sendText(res, 200, '');
    else sendText(res, 202, '');
  } catch (err) {
    sendError(res, err);
  }
}

function subscribe(master: Master, call: SchedulerCall, res: ServerResponse): void {
  const streamId = newUuid();
  let frameworkId: string | null = null;
  const http = new RecordIOStream(res, { 'Mesos-Stream-Id': streamId }, () => {
    if (frameworkId) master.frameworkDisconnected(frameworkId, stream);
  });
  const stream: FrameworkStream = { streamId, send: (event) => http.send(event), close: () => http.close() };
  frameworkId = master.subscribe(call, stream);
}
