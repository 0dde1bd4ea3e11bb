// Instances waiting for an offer, per app, with the app's launch backoff and what the last offers
// said (GET /v2/queue). An instance here is "Scheduled": it has an id (and, when it is a relaunch,
// the next incarnation of an earlier task) but no task yet.
import type { AppDefinition, Timestamp } from '../model/types.js';
import type { OfferRejectReason, UnusedOffer } from '../service.js';
import { initialBackoff, type BackoffState } from '../scheduling/backoff.js';

export interface ScheduledInstance {
  instanceId: string;
  incarnation: number;
}

export interface QueuedApp {
  app: AppDefinition;
  pending: ScheduledInstance[];
  backoff: BackoffState;
  since: Timestamp;
  processedOffers: number;
  unusedOffers: number;
  lastUnusedOfferAt?: Timestamp;
  lastUsedOfferAt?: Timestamp;
  /** Reason -> [declined, processed] over the last offer round. */
  rejectSummary: Map<OfferRejectReason, { declined: number; processed: number }>;
  lastUnusedOffers: UnusedOffer[];
}

const MAX_UNUSED_OFFERS_KEPT = 10;

export class LaunchQueue {
  private readonly apps = new Map<string, QueuedApp>();
  /** Backoff outlives the queue entry: a crash-looping app is delayed across relaunches. */
  private readonly backoffs = new Map<string, BackoffState>();

  add(app: AppDefinition, instances: readonly ScheduledInstance[], now: Timestamp): void {
    if (instances.length === 0) return;
    const entry = this.entryFor(app, now);
    entry.pending.push(...instances);
  }

  /** Keeps the queued app's definition current (a new version launches new-version tasks). */
  updateApp(app: AppDefinition): void {
    const entry = this.apps.get(app.id);
    if (entry) entry.app = app;
  }

  /** Removes up to `count` pending instances (newest first); returns how many were removed. */
  remove(appId: string, count: number): number {
    const entry = this.apps.get(appId);
    if (!entry) return 0;
    const removed = entry.pending.splice(Math.max(0, entry.pending.length - count), count).length;
    if (entry.pending.length === 0) this.apps.delete(appId);
    return removed;
  }

  purge(appId: string): void {
    this.apps.delete(appId);
    this.backoffs.delete(appId);
  }

  /** Takes the next pending instance of an app (after a successful match). */
  take(appId: string): ScheduledInstance | undefined {
    const entry = this.apps.get(appId);
    const next = entry?.pending.shift();
    if (entry && entry.pending.length === 0) this.apps.delete(appId);
    return next;
  }

  pendingCount(appId: string): number {
    return this.apps.get(appId)?.pending.length ?? 0;
  }

  get(appId: string): QueuedApp | undefined {
    return this.apps.get(appId);
  }

  entries(): QueuedApp[] {
    return [...this.apps.values()];
  }

  get isEmpty(): boolean {
    return this.apps.size === 0;
  }

  backoffOf(appId: string): BackoffState {
    return this.backoffs.get(appId) ?? initialBackoff();
  }

  setBackoff(appId: string, state: BackoffState): void {
    this.backoffs.set(appId, state);
    const entry = this.apps.get(appId);
    if (entry) entry.backoff = state;
  }

  resetBackoff(appId: string): void {
    this.setBackoff(appId, initialBackoff());
  }

  recordOffer(entry: QueuedApp, used: boolean, now: Timestamp, rejected?: UnusedOffer): void {
    entry.processedOffers++;
    if (used) {
      entry.lastUsedOfferAt = now;
      return;
    }
    entry.unusedOffers++;
    entry.lastUnusedOfferAt = now;
    if (!rejected) return;
    entry.lastUnusedOffers.push(rejected);
    if (entry.lastUnusedOffers.length > MAX_UNUSED_OFFERS_KEPT) entry.lastUnusedOffers.shift();
    for (const reason of rejected.reason) {
      const counts = entry.rejectSummary.get(reason) ?? { declined: 0, processed: 0 };
      counts.declined++;
      entry.rejectSummary.set(reason, counts);
    }
    for (const counts of entry.rejectSummary.values()) counts.processed++;
  }

  private entryFor(app: AppDefinition, now: Timestamp): QueuedApp {
    let entry = this.apps.get(app.id);
    if (!entry) {
      entry = {
        app,
        pending: [],
        backoff: this.backoffOf(app.id),
        since: now,
        processedOffers: 0,
        unusedOffers: 0,
        rejectSummary: new Map(),
        lastUnusedOffers: [],
      };
      this.apps.set(app.id, entry);
    } else entry.app = app;
    return entry;
  }
}
