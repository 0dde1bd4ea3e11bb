// /v2/queue (QueueResource): apps waiting for offers, and resetting an app's launch backoff.
import { canonicalPathId } from '../model/path-id.js';
import { notFound } from './errors.js';
import { ok } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { renderQueue } from './render.js';

function resetDelay(req: ApiRequest): ApiResponse {
  const appId = canonicalPathId(req.params[0]!);
  if (!req.service.resetDelay(appId)) throw notFound(`Application ${appId} not found in tasks queue.`);
  return { status: 204 };
}

export const queueRoutes: Route[] = [
  {
    pattern: /^\/v2\/queue$/,
    methods: {
      GET: (req) =>
        ok(renderQueue(req.service.queue(), req.query.getAll('embed').includes('lastUnusedOffers'))),
    },
  },
  { pattern: /^\/v2\/queue\/(.+)\/delay$/, methods: { DELETE: resetDelay } },
];
