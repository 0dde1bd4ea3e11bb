// What the runtime shows of itself through GET /v2/info and GET /v2/queue.
import type { MarathonInfoView, QueueEntry } from '../service.js';
import { queueDelayView } from '../scheduling/backoff.js';
import type { QueuedApp } from './launch-queue.js';
import type { MarathonConfig } from './runtime.js';

export function infoView(
  config: MarathonConfig,
  live: { frameworkId: string | null; leader: string | null; elected: boolean; masterUrl: string | null },
): MarathonInfoView {
  return {
    frameworkId: live.frameworkId,
    leader: live.leader,
    elected: live.elected,
    httpPort: config.httpPort,
    // Only keys the strict clients' models know (reference §5.2).
    marathonConfig: {
      master: config.master,
      framework_name: config.frameworkName,
      mesos_role: config.mesosRole,
      mesos_user: config.mesosUser,
      hostname: config.hostname,
      ha: config.ha,
      checkpoint: true,
      failover_timeout: config.failoverTimeoutSeconds,
      decline_offer_duration: config.declineOfferSeconds * 1000,
      max_instances_per_offer: config.maxInstancesPerOffer,
      local_port_min: 10000,
      local_port_max: 20000,
      executor: '//cmd',
      webui_url: config.webuiUrl ?? null,
      task_launch_timeout: 300000,
      mesos_leader_ui_url: live.masterUrl,
    },
    zookeeperConfig: {
      zk: config.zk,
      zk_max_versions: config.zkMaxVersions,
      zk_session_timeout: config.zkSessionTimeoutMs,
      zk_timeout: 10000,
      zk_compression: true,
      zk_compression_threshold: 64 * 1024,
      zk_max_node_size: 1024 * 1024,
    },
  };
}

export function queueView(entries: readonly QueuedApp[], now: number): QueueEntry[] {
  return entries.map((entry) => ({
    app: entry.app,
    count: entry.pending.length,
    delay: queueDelayView(entry.backoff, now),
    since: entry.since,
    processedOffersSummary: {
      processedOffersCount: entry.processedOffers,
      unusedOffersCount: entry.unusedOffers,
      ...(entry.lastUnusedOfferAt ? { lastUnusedOfferAt: entry.lastUnusedOfferAt } : {}),
      ...(entry.lastUsedOfferAt ? { lastUsedOfferAt: entry.lastUsedOfferAt } : {}),
      rejectSummaryLastOffers: [...entry.rejectSummary.entries()].map(([reason, c]) => ({
        reason,
        declined: c.declined,
        processed: c.processed,
      })),
      rejectSummaryLaunchAttempt: [],
    },
    lastUnusedOffers: entry.lastUnusedOffers,
  }));
}
