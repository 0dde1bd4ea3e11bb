// /v2/deployments (DeploymentsResource): the running deployments, and cancelling one.
import { notFound } from './errors.js';
import { ok, queryFlag } from './request.js';
import type { ApiRequest, ApiResponse, Route } from './request.js';
import { deploymentResponse, renderDeployment } from './render.js';

/** Without force: cancel and deploy the revert (200 DeploymentResult); with force: just stop (202). */
async function cancelDeployment(req: ApiRequest): Promise<ApiResponse> {
  const id = req.params[0]!;
  const result = await req.service.cancelDeployment(id, queryFlag(req.query, 'force', false));
  if (result === undefined) throw notFound(`DeploymentPlan ${id} does not exist`);
  if (result === null) return { status: 202 };
  return deploymentResponse(result);
}

export const deploymentRoutes: Route[] = [
  {
    pattern: /^\/v2\/deployments$/,
    methods: { GET: (req) => ok(req.service.deployments().map(renderDeployment)) },
  },
  { pattern: /^\/v2\/deployments\/([^/]+)$/, methods: { DELETE: cancelDeployment } },
];
