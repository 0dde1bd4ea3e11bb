// The seam between Marathon's REST layer (src/marathon/api) and its runtime (scheduler, deployments,
// storage). The REST layer validates requests and builds the target root group; the service plans,
// stores and carries out deployments, and answers every read from memory.
import type { EventBus } from './events/event-bus.js';
import type {
  AppDefinition,
  DeploymentAction,
  DeploymentPlan,
  Instance,
  RootGroup,
  TaskFailure,
  Timestamp,
} from './model/types.js';

export interface ReadinessCheckResult {
  name: string;
  taskId: string;
  ready: boolean;
  lastResponse?: { status: number; contentType: string; body: string };
}

export interface DeploymentStatus {
  plan: DeploymentPlan;
  /** 1-based; 0 before the first step starts. */
  currentStep: number;
  currentActions: Array<DeploymentAction & { readinessCheckResults: ReadinessCheckResult[] }>;
}

export type OfferRejectReason =
  | 'UnfulfilledRole'
  | 'UnfulfilledConstraint'
  | 'NoCorrespondingReservationFound'
  | 'AgentMaintenance'
  | 'InsufficientCpus'
  | 'InsufficientMemory'
  | 'InsufficientDisk'
  | 'InsufficientGpus'
  | 'InsufficientPorts'
  | 'DeclinedScarceResources';

export interface UnusedOffer {
  offer: {
    id: string;
    agentId: string;
    hostname: string;
    resources: Array<{ name: string; scalar?: number; ranges?: Array<{ begin: number; end: number }> }>;
    attributes: Array<{ name: string; text?: string; scalar?: number }>;
  };
  timestamp: Timestamp;
  reason: OfferRejectReason[];
}

export interface QueueEntry {
  app: AppDefinition;
  /** Instances still to launch. */
  count: number;
  delay: { timeLeftSeconds: number; overdue: boolean };
  since: Timestamp;
  processedOffersSummary: {
    processedOffersCount: number;
    unusedOffersCount: number;
    lastUnusedOfferAt?: Timestamp;
    lastUsedOfferAt?: Timestamp;
    rejectSummaryLastOffers: Array<{ reason: OfferRejectReason; declined: number; processed: number }>;
    rejectSummaryLaunchAttempt: Array<{ reason: OfferRejectReason; declined: number; processed: number }>;
  };
  lastUnusedOffers: UnusedOffer[];
}

export interface MarathonInfoView {
  frameworkId: string | null;
  /** host:port of the leading instance, null while there is none. */
  leader: string | null;
  elected: boolean;
  httpPort: number;
  /** Only keys strict clients accept (reference §5.2): master, zk, framework_name, ... */
  marathonConfig: Record<string, unknown>;
  zookeeperConfig: Record<string, unknown>;
}

/** An app (or a group's apps) is in a running deployment and force was not given: 409. */
export class DeploymentLockedError extends Error {
  constructor(readonly deploymentIds: string[]) {
    super(
      `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
    );
  }
}

/** This instance does not lead, or leads but has not finished loading: 503. */
export class NotReadyError extends Error {}

export interface KillResult {
  killed: Instance[];
  /** Present with scale=true: the scale-down deployment. */
  plan?: DeploymentPlan;
}

export interface MarathonService {
  readonly events: EventBus;
  /** The node's clock (ms since epoch): for version stamps and timestamps. */
  now(): number;
  /** True once this instance leads and has loaded its state. */
  isReady(): boolean;
  isLeader(): boolean;
  /** http://host:port of the leader, or null. */
  leaderUrl(): string | null;
  info(): MarathonInfoView;

  root(): RootGroup;
  /** Stored versions of the root group, newest first. */
  rootVersions(): Timestamp[];
  rootAt(version: Timestamp): RootGroup | undefined;
  /** Stored versions of one app, newest first (empty for an unknown app). */
  appVersions(appId: string): Timestamp[];
  appAt(appId: string, version: Timestamp): AppDefinition | undefined;

  /** Instances of one app, or of all apps; any state, including those being killed. */
  instances(appId?: string): Instance[];
  lastTaskFailure(appId: string): TaskFailure | undefined;
  deployments(): DeploymentStatus[];
  queue(): QueueEntry[];

  /**
   * Plans original root -> target, stores the target and the plan, publishes group_change_success
   * and starts the deployment. Throws DeploymentLockedError when an affected app is in a running
   * deployment and force is false; with force, those deployments are cancelled (no rollback).
   */
  deploy(target: RootGroup, opts: { force: boolean }): Promise<DeploymentPlan>;
  /**
   * Kills instances by id. scale=true also lowers `instances` by the number killed (a deployment);
   * wipe=true forgets the instance (no replacement, as with scale). Unknown ids are ignored.
   */
  killInstances(
    instanceIds: readonly string[],
    opts: { scale: boolean; wipe: boolean; force: boolean },
  ): Promise<KillResult>;
  /**
   * force=false: cancels and deploys the revert, returning that plan. force=true: just stops it
   * (returns null). Returns undefined when there is no such deployment.
   */
  cancelDeployment(id: string, force: boolean): Promise<DeploymentPlan | null | undefined>;
  /** Resets an app's launch backoff; false when the app is not in the launch queue. */
  resetDelay(appId: string): boolean;
  /** Gives up leadership: the process exits after the response is sent. */
  abdicate(): void;
}
