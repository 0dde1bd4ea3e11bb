/// <reference lib="esnext.disposable" />
// mesos-sandbox/testing/testcontainers: the cluster (Docker driver) as a testcontainers-style
// container, for tests that already use testcontainers (an optional peer dependency: only this
// entry imports it).
//
//   await using mesos = await new MesosSandboxContainer().withAgents(2).withChronos(false).start();
//   const app = await new GenericContainer('my-app').withNetworkMode(mesos.getNetworkName())
//     .withEnvironment({ MESOS_MASTER: mesos.getInternalMesosZkUrl() }).start();
export {
  MesosSandboxContainer,
  StartedMesosSandboxContainer,
  StoppedMesosSandboxContainer,
} from './container.js';
export type { MesosSandboxContainerOptions } from './options.js';
export type { NodeEndpoint } from './endpoints.js';
