// One round of offers against the launch queue: which queued instances launch on which offer, and
// which offers go back. Deterministic and free of I/O: the runtime sends the calls.
import type { Offer, TaskInfo } from '../../mesos/protocol/types.js';
import { subtractResources } from '../../mesos/protocol/resources.js';
import type { Instance, Timestamp } from '../model/types.js';
import { taskIdOf } from '../model/path-id.js';
import { offerPlacement, type PlacementView } from '../scheduling/constraints.js';
import { matchOffer } from '../scheduling/offer-matcher.js';
import { buildTaskInfo } from '../scheduling/task-builder.js';
import { launchAllowedAt } from '../scheduling/backoff.js';
import type { OfferRejectReason, UnusedOffer } from '../service.js';
import type { LaunchQueue } from './launch-queue.js';

export interface OfferLaunch {
  offer: Offer;
  tasks: TaskInfo[];
  instances: Instance[];
}

export interface OfferRound {
  launches: OfferLaunch[];
  declined: Offer[];
}

export interface OfferRoundInput {
  offers: readonly Offer[];
  queue: LaunchQueue;
  /** Where the app's active instances run (for constraints), updated as this round places more. */
  placedOf: (appId: string) => PlacementView[];
  now: number;
  maxInstancesPerOffer: number;
}

export function processOffers(input: OfferRoundInput): OfferRound {
  const { queue, now } = input;
  const stamp: Timestamp = new Date(now).toISOString();
  const round: OfferRound = { launches: [], declined: [] };
  const placed = new Map<string, PlacementView[]>();
  const placedFor = (appId: string): PlacementView[] => {
    let list = placed.get(appId);
    if (!list) placed.set(appId, (list = [...input.placedOf(appId)]));
    return list;
  };

  for (const offer of input.offers) {
    let remaining = offer.resources;
    const launch: OfferLaunch = { offer, tasks: [], instances: [] };
    const placement = offerPlacement(offer);
    for (const entry of queue.entries()) {
      if (launchAllowedAt(entry.backoff) > now) continue;
      const appPlaced = placedFor(entry.app.id);
      let usedThisEntry = false;
      while (entry.pending.length > 0 && launch.tasks.length < input.maxInstancesPerOffer) {
        const result = matchOffer(entry.app, offer, remaining, appPlaced);
        if (!result.ok) {
          if (!usedThisEntry) {
            queue.recordOffer(entry, false, stamp, unusedOffer(offer, result.reasons, stamp));
          }
          break;
        }
        const scheduled = queue.take(entry.app.id);
        if (!scheduled) break;
        const taskId = taskIdOf(scheduled.instanceId, scheduled.incarnation);
        const task = buildTaskInfo(
          entry.app,
          { taskId, instanceId: scheduled.instanceId },
          offer,
          result.match,
        );
        remaining = subtractResources(remaining, result.match.resources);
        launch.tasks.push(task);
        launch.instances.push({
          instanceId: scheduled.instanceId,
          taskId,
          incarnation: scheduled.incarnation,
          appId: entry.app.id,
          appVersion: entry.app.version,
          configVersion: entry.app.versionInfo.lastConfigChangeAt,
          agentId: offer.agent_id.value,
          host: offer.hostname,
          hostPorts: result.match.hostPorts,
          state: 'TASK_STAGING',
          stagedAt: stamp,
          startedAt: null,
          goal: 'Running',
          ...(placement.region ? { region: placement.region } : {}),
          ...(placement.zone ? { zone: placement.zone } : {}),
          attributes: placement.attributes,
          healthResults: [],
          ipAddresses: [],
        });
        appPlaced.push(placement);
        if (!usedThisEntry) queue.recordOffer(entry, true, stamp);
        usedThisEntry = true;
      }
      if (launch.tasks.length >= input.maxInstancesPerOffer) break;
    }
    if (launch.tasks.length > 0) round.launches.push(launch);
    else round.declined.push(offer);
  }
  return round;
}

/** How GET /v2/queue?embed=lastUnusedOffers shows an offer the app could not use. */
function unusedOffer(offer: Offer, reasons: OfferRejectReason[], stamp: Timestamp): UnusedOffer {
  return {
    offer: {
      id: offer.id.value,
      agentId: offer.agent_id.value,
      hostname: offer.hostname,
      resources: offer.resources.map((r) => ({
        name: r.name,
        ...(r.scalar ? { scalar: r.scalar.value } : {}),
        ...(r.ranges ? { ranges: r.ranges.range } : {}),
      })),
      attributes: (offer.attributes ?? []).map((a) => ({
        name: a.name,
        ...(a.text ? { text: a.text.value } : {}),
        ...(a.scalar ? { scalar: a.scalar.value } : {}),
      })),
    },
    timestamp: stamp,
    reason: reasons,
  };
}
