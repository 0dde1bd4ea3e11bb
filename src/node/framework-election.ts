// Leader election of a framework node (Marathon, Chronos), as their Curator LeaderLatch does it: every
// instance contends under one ZooKeeper path with a znode holding its `host:port`; the lowest leads.
// Every instance also watches who leads, so a standby knows where to proxy requests. Without HA the
// one instance leads at once.
import { CURATOR_LATCH_LABEL, LeaderContender, LeaderDetector } from '../zookeeper/election.js';
import type { ZkClient } from '../zookeeper/client.js';
import type { Logger } from '../util/log.js';

export interface FrameworkElectionOptions {
  zk: ZkClient;
  /** e.g. `/marathon/leader-curator`, `/chronos/candidate`. */
  path: string;
  /** This instance's `host:port`. */
  self: string;
  ha: boolean;
  log: Logger;
  /** Called each time this instance comes to lead. */
  onElected(): void;
}

export class FrameworkElection {
  private leadingNow: boolean;
  private leader: string | null;
  private contender: LeaderContender | null = null;
  private detector: LeaderDetector | null = null;
  private stopping = false;

  constructor(private readonly options: FrameworkElectionOptions) {
    this.leadingNow = !options.ha;
    this.leader = options.ha ? null : options.self;
  }

  isLeader(): boolean {
    return this.leadingNow;
  }

  /** `host:port` of the leading instance, or null while none is known. */
  leaderHostPort(): string | null {
    return this.leader;
  }

  async start(): Promise<void> {
    if (!this.options.ha) {
      this.elected();
      return;
    }
    const { zk, path } = this.options;
    this.detector = new LeaderDetector(zk, path, CURATOR_LATCH_LABEL);
    this.detector.onChange((leader) => {
      this.leader = leader?.data ?? null;
    });
    await zk.mkdirp(path);
    await this.detector.start();
    await this.contend();
  }

  /** Steps down (the caller has stopped leading) and contends again, behind the other instances. */
  async recontend(): Promise<void> {
    this.leadingNow = false;
    if (!this.options.ha) {
      this.elected();
      return;
    }
    this.stopping = true;
    await this.contender?.withdraw();
    this.stopping = false;
    await this.contend();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.detector?.stop();
    await this.contender?.withdraw().catch(() => undefined);
  }

  private elected(): void {
    this.leadingNow = true;
    this.leader = this.options.self;
    this.options.onElected();
  }

  private async contend(): Promise<void> {
    const { zk, path, self, log } = this.options;
    const contender = new LeaderContender(zk, path, self, CURATOR_LATCH_LABEL);
    this.contender = contender;
    await contender.contend();
    contender.onElected(() => this.elected());
    contender.onLost(() => {
      if (this.stopping) return;
      // Marathon and Chronos exit rather than risk two leaders.
      log.error('Lost leadership (ZooKeeper session ended); exiting');
      process.exit(1);
    });
  }
}
