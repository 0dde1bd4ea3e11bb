// Carries out one deployment plan, step by step. Every action is re-decided from the current state
// (instances, queue, health) each time that state changes, with the pure deciders of
// src/marathon/deployment: so a resumed deployment (after a leader change) simply carries on.
import type { AppDefinition, DeploymentAction, DeploymentPlan, Instance } from '../model/types.js';
import { decideRollingRestart } from '../deployment/rolling-restart.js';
import { selectInstancesToKill } from '../deployment/kill-selection.js';
import type { DeploymentStatus } from '../service.js';

export interface DeploymentContext {
  /** The app's current definition, undefined once it is gone from the root. */
  app(appId: string): AppDefinition | undefined;
  /** Launched instances whose goal is Running and which are not terminal or inactive. */
  activeInstances(appId: string): Instance[];
  /** Launched instances of the app that are not terminal, whatever their goal. */
  liveInstanceCount(appId: string): number;
  /** Instances being killed (goal no longer Running) that are not terminal yet. */
  terminatingInstances(appId: string): Instance[];
  pendingCount(appId: string): number;
  schedule(app: AppDefinition, count: number): void;
  unschedule(appId: string, count: number): void;
  /** Sets the goal to Decommissioned and kills the task. */
  decommission(instance: Instance): void;
  isHealthy(instance: Instance, app: AppDefinition): boolean;
  resetBackoff(appId: string): void;
  /** The app's last instance is gone after a StopApplication: forget it, publish app_terminated_event. */
  appStopped(appId: string): void;
  publish(eventType: string, fields: Record<string, unknown>): void;
  /** The plan as deployment events carry it (the full 1.4–1.6 form). */
  planJson(plan: DeploymentPlan): Record<string, unknown>;
}

export type DeploymentOutcome = 'succeeded' | 'cancelled';

export class DeploymentRunner {
  private stepIndex = -1;
  private done = new Set<number>();
  private cancelled = false;
  private finished = false;
  private readonly sentencedKilled = new Set<string>();

  constructor(
    readonly plan: DeploymentPlan,
    private readonly ctx: DeploymentContext,
    private readonly onFinished: (runner: DeploymentRunner, outcome: DeploymentOutcome) => void,
  ) {}

  get affectedApps(): string[] {
    return [...new Set(this.plan.steps.flatMap((s) => s.actions.map((a) => a.app)))];
  }

  status(): DeploymentStatus {
    const step = this.plan.steps[this.stepIndex];
    return {
      plan: this.plan,
      currentStep: this.stepIndex + 1,
      currentActions: (step?.actions ?? []).map((a) => ({ ...a, readinessCheckResults: [] })),
    };
  }

  start(): void {
    this.nextStep();
  }

  /** Re-decides the current step's actions; called whenever instances, health or the queue change. */
  evaluate(): void {
    if (this.cancelled || this.finished) return;
    const step = this.plan.steps[this.stepIndex];
    if (!step) return;
    step.actions.forEach((action, i) => {
      if (this.done.has(i)) return;
      if (this.evaluateAction(action)) this.done.add(i);
    });
    if (this.done.size === step.actions.length) {
      this.ctx.publish('deployment_step_success', this.stepEventFields());
      this.nextStep();
    }
  }

  /** Stops carrying out the plan; what has happened so far stays. */
  cancel(reason: string): void {
    if (this.cancelled || this.finished) return;
    this.cancelled = true;
    this.ctx.publish('deployment_failed', {
      id: this.plan.id,
      plan: this.ctx.planJson(this.plan),
      reason,
    });
    this.onFinished(this, 'cancelled');
  }

  private nextStep(): void {
    this.stepIndex++;
    this.done = new Set();
    if (this.stepIndex >= this.plan.steps.length) {
      this.finished = true;
      this.stepIndex = this.plan.steps.length - 1;
      this.ctx.publish('deployment_success', { id: this.plan.id, plan: this.ctx.planJson(this.plan) });
      this.onFinished(this, 'succeeded');
      return;
    }
    const step = this.plan.steps[this.stepIndex]!;
    for (const action of step.actions) {
      if (action.action === 'RestartApplication') this.ctx.resetBackoff(action.app);
    }
    this.ctx.publish('deployment_info', this.stepEventFields());
    this.evaluate();
  }

  private stepEventFields(): Record<string, unknown> {
    const step = this.plan.steps[this.stepIndex];
    return {
      plan: this.ctx.planJson(this.plan),
      currentStep: { actions: (step?.actions ?? []).map((a) => ({ action: a.action, app: a.app })) },
    };
  }

  /** Returns true once the action is complete. */
  private evaluateAction(action: DeploymentAction): boolean {
    switch (action.action) {
      case 'StartApplication':
        return true;
      case 'StopApplication':
        return this.stop(action.app);
      case 'ScaleApplication':
        return this.scale(action);
      case 'RestartApplication':
        return this.restart(action.app);
    }
  }

  private stop(appId: string): boolean {
    this.ctx.unschedule(appId, Number.MAX_SAFE_INTEGER);
    for (const instance of this.ctx.activeInstances(appId)) this.ctx.decommission(instance);
    if (this.ctx.liveInstanceCount(appId) > 0) return false;
    this.ctx.appStopped(appId);
    return true;
  }

  private scale(action: DeploymentAction): boolean {
    const app = this.ctx.app(action.app);
    if (!app) return true;
    const target = action.scaleTo ?? app.instances;
    for (const id of action.sentencedInstanceIds ?? []) {
      if (this.sentencedKilled.has(id)) continue;
      const instance = this.ctx.activeInstances(app.id).find((i) => i.instanceId === id);
      if (instance) this.ctx.decommission(instance);
      this.sentencedKilled.add(id);
    }
    const active = this.ctx.activeInstances(app.id);
    const pending = this.ctx.pendingCount(app.id);
    let extra = active.length + pending - target;
    if (extra > 0) {
      const fromQueue = Math.min(pending, extra);
      this.ctx.unschedule(app.id, fromQueue);
      extra -= fromQueue;
      if (extra > 0) {
        const kill = new Set(selectInstancesToKill(active.map(killCandidate), extra, app.killSelection));
        for (const instance of active) if (kill.has(instance.instanceId)) this.ctx.decommission(instance);
      }
    } else if (extra < 0) this.ctx.schedule(app, -extra);
    const nowActive = this.ctx.activeInstances(app.id);
    return (
      this.ctx.pendingCount(app.id) === 0 &&
      nowActive.length === target &&
      this.ctx.liveInstanceCount(app.id) === target &&
      nowActive.every((i) => this.ctx.isHealthy(i, app))
    );
  }

  private restart(appId: string): boolean {
    const app = this.ctx.app(appId);
    if (!app) return true;
    const config = app.versionInfo.lastConfigChangeAt;
    const active = this.ctx.activeInstances(appId);
    const old = active.filter((i) => i.configVersion !== config);
    const fresh = active.filter((i) => i.configVersion === config);
    const decision = decideRollingRestart({
      instances: app.instances,
      upgradeStrategy: app.upgradeStrategy,
      oldActive: old.map((i) => ({ instanceId: i.instanceId, healthy: this.ctx.isHealthy(i, app) })),
      newActive: fresh.length + this.ctx.pendingCount(appId),
      newHealthy: fresh.filter((i) => this.ctx.isHealthy(i, app)).length,
      // Killed old instances hold their capacity until they are gone, as in Marathon.
      oldTerminating: this.ctx.terminatingInstances(appId).filter((i) => i.configVersion !== config).length,
    });
    const kill = new Set(decision.kill);
    for (const instance of old) if (kill.has(instance.instanceId)) this.ctx.decommission(instance);
    if (decision.launch > 0) this.ctx.schedule(app, decision.launch);
    return decision.done && this.ctx.liveInstanceCount(appId) === app.instances;
  }
}

function killCandidate(i: Instance): {
  instanceId: string;
  state: Instance['state'];
  stagedAt: string;
  startedAt: string | null;
  unreachable?: boolean;
} {
  return {
    instanceId: i.instanceId,
    state: i.state,
    stagedAt: i.stagedAt,
    startedAt: i.startedAt,
    ...(i.state === 'TASK_UNREACHABLE' ? { unreachable: true } : {}),
  };
}
