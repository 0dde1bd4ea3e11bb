// The JSON Marathon 1.10 emits for an app definition (AppConversion.appWriter), limited to the keys
// the strict Python models accept: never ports, uris, ipAddress, tty, check, executorResources or
// resourceLimits; optional keys only when set; portDefinitions only with host networking; a container
// with only type, docker, volumes and portMappings (and mappings without networkNames).
import type { AppDefinition, ContainerSpec, HealthCheckSpec } from './types.js';

type Json = Record<string, unknown>;

function renderHealthCheck(check: HealthCheckSpec): Json {
  const marathonHttp = check.protocol === 'HTTP' || check.protocol === 'HTTPS';
  return {
    gracePeriodSeconds: check.gracePeriodSeconds,
    ...(marathonHttp && { ignoreHttp1xx: check.ignoreHttp1xx }),
    intervalSeconds: check.intervalSeconds,
    maxConsecutiveFailures: check.maxConsecutiveFailures,
    ...(check.path !== undefined && { path: check.path }),
    ...(check.port !== undefined && { port: check.port }),
    ...(check.portIndex !== undefined && { portIndex: check.portIndex }),
    protocol: check.protocol,
    // Marathon always writes the IP protocol; only IPv4 is supported here.
    ipProtocol: 'IPv4',
    timeoutSeconds: check.timeoutSeconds,
    delaySeconds: check.delaySeconds,
    ...(check.command !== undefined && { command: { value: check.command.value } }),
  };
}

function renderContainer(container: ContainerSpec, hostNetworking: boolean): Json {
  const docker = container.docker;
  return {
    type: container.type,
    ...(docker && {
      docker: {
        image: docker.image,
        forcePullImage: docker.forcePullImage,
        privileged: docker.privileged,
        parameters: docker.parameters.map(({ key, value }) => ({ key, value })),
      },
    }),
    volumes: container.volumes.map((v) => ({
      containerPath: v.containerPath,
      ...(v.hostPath !== undefined && { hostPath: v.hostPath }),
      mode: v.mode,
      ...(v.persistent && { persistent: { ...v.persistent } }),
    })),
    // Marathon writes no portMappings with host networking (None, not an empty list).
    ...(!hostNetworking && {
      portMappings: (container.portMappings ?? []).map((m) => ({
        containerPort: m.containerPort,
        ...(m.hostPort !== undefined && { hostPort: m.hostPort }),
        ...(m.labels !== undefined && { labels: { ...m.labels } }),
        ...(m.name !== undefined && { name: m.name }),
        protocol: m.protocol,
        servicePort: m.servicePort,
      })),
    }),
  };
}

/** The app definition as GET /v2/apps/{id}/versions/{v} returns it (and as AppInfo starts). */
export function renderAppDefinition(app: AppDefinition): Record<string, unknown> {
  const hostNetworking = !app.networks.some((n) => n.mode !== 'host');
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    id: app.id,
    ...(app.acceptedResourceRoles !== undefined &&
      app.acceptedResourceRoles.length > 0 && { acceptedResourceRoles: [...app.acceptedResourceRoles] }),
    ...(app.args !== undefined && app.args.length > 0 && { args: [...app.args] }),
    backoffFactor: app.backoffFactor,
    backoffSeconds: app.backoffSeconds,
    ...(app.cmd !== undefined && { cmd: app.cmd }),
    constraints: copy(app.constraints),
    ...(app.container && { container: renderContainer(app.container, hostNetworking) }),
    cpus: app.cpus,
    dependencies: [...app.dependencies],
    disk: app.disk,
    env: copy(app.env),
    executor: app.executor,
    fetch: app.fetch.map((f) => ({
      uri: f.uri,
      extract: f.extract,
      executable: f.executable,
      cache: f.cache,
      ...(f.destPath !== undefined && { destPath: f.destPath }),
    })),
    gpus: app.gpus,
    healthChecks: app.healthChecks.map(renderHealthCheck),
    instances: app.instances,
    labels: { ...app.labels },
    maxLaunchDelaySeconds: app.maxLaunchDelaySeconds,
    mem: app.mem,
    networks: app.networks.map((n) => ({
      ...(n.name !== undefined && { name: n.name }),
      mode: n.mode,
      ...(n.labels !== undefined && Object.keys(n.labels).length > 0 && { labels: { ...n.labels } }),
    })),
    ...(hostNetworking && { portDefinitions: copy(app.portDefinitions ?? []) }),
    readinessChecks: copy(app.readinessChecks),
    requirePorts: app.requirePorts,
    secrets: copy(app.secrets),
    ...(app.taskKillGracePeriodSeconds !== undefined && {
      taskKillGracePeriodSeconds: app.taskKillGracePeriodSeconds,
    }),
    upgradeStrategy: {
      maximumOverCapacity: app.upgradeStrategy.maximumOverCapacity,
      minimumHealthCapacity: app.upgradeStrategy.minimumHealthCapacity,
    },
    ...(app.user !== undefined && { user: app.user }),
    version: app.version,
    versionInfo: {
      lastScalingAt: app.versionInfo.lastScalingAt,
      lastConfigChangeAt: app.versionInfo.lastConfigChangeAt,
    },
    killSelection: app.killSelection,
    unreachableStrategy: copy(app.unreachableStrategy),
    role: app.role,
  };
}
