// Leader election the way Mesos does it, so real Mesos tools find our leader: each contender owns an
// EPHEMERAL_SEQUENTIAL znode `<path>/json.info_<10-digit seq>` holding its info as JSON, and the
// lowest sequence number leads. Other children (Mesos's `log_replicas`, say) are not contenders.
import { isZkError, type ZkClient } from './client.js';

export const MESOS_LEADER_LABEL = 'json.info_';
/** Curator's LeaderLatch names its znodes `..latch-<seq>`: Marathon and Chronos elect their leaders so. */
export const CURATOR_LATCH_LABEL = 'latch-';

export interface LeaderInfo {
  /** The znode's name, e.g. `json.info_0000000003`. */
  name: string;
  /** The znode's data as UTF-8 (for Mesos: the MasterInfo JSON). */
  data: string;
}

// Connection loss is usually brief; the client reconnects and we try again.
const RETRY_MS = 500;

/** The contender among `children` with the lowest sequence number, or null if there is none. */
export function leadingMember(
  children: readonly string[],
  label: string = MESOS_LEADER_LABEL,
): string | null {
  const pattern = memberPattern(label);
  let best: string | null = null;
  let bestSeq = Infinity;
  for (const child of children) {
    if (!pattern.test(child)) continue;
    const seq = Number(child.slice(label.length));
    if (seq < bestSeq) {
      best = child;
      bestSeq = seq;
    }
  }
  return best;
}

/** Matches a contender's znode name: the label followed by ZooKeeper's 10-digit sequence number. */
export function memberPattern(label: string = MESOS_LEADER_LABEL): RegExp {
  return new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d{10}$`);
}

/**
 * Follows who leads under `path`. Every change re-reads the children and re-arms the one-shot watch;
 * while `path` does not exist it watches for its creation instead.
 */
export class LeaderDetector {
  private leader: LeaderInfo | null = null;
  private readonly listeners = new Set<(leader: LeaderInfo | null) => void>();
  private stopped = true;
  private looking = false;
  private lookAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstLook: Promise<void> | undefined;
  private resolveFirstLook: (() => void) | undefined;
  // One function object for every watch, so the client library registers it once per path.
  private readonly onWatch = (): void => this.refresh();

  constructor(
    private readonly client: ZkClient,
    private readonly path: string,
    private readonly label: string = MESOS_LEADER_LABEL,
  ) {}

  /** Starts following; resolves after the first look, so current() is meaningful from then on. */
  start(): Promise<void> {
    if (!this.stopped) return this.firstLook ?? Promise.resolve();
    this.stopped = false;
    this.firstLook = new Promise((resolve) => (this.resolveFirstLook = resolve));
    this.refresh();
    return this.firstLook;
  }

  /** `cb` runs whenever the leader changes, including to none. Returns an unsubscribe function. */
  onChange(cb: (leader: LeaderInfo | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  current(): LeaderInfo | null {
    return this.leader;
  }

  /** Stops following. A watch already set in ZooKeeper may still fire; it is then ignored. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.settleFirstLook();
  }

  private refresh(): void {
    if (this.stopped) return;
    // A watch can fire while a look is in flight; that look may already be stale, so go again after.
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.look()
      .then(
        () => {
          if (!this.lookAgain) this.settleFirstLook();
        },
        (err: unknown) => {
          this.settleFirstLook();
          // A closed or expired session never recovers: whoever owns the client deals with that.
          if (isZkError(err, 'CLIENT_CLOSED') || isZkError(err, 'SESSION_EXPIRED')) return;
          if (!this.stopped) this.retryTimer = setTimeout(() => this.refresh(), RETRY_MS);
        },
      )
      .finally(() => {
        this.looking = false;
        if (this.lookAgain) {
          this.lookAgain = false;
          this.refresh();
        }
      });
  }

  private async look(): Promise<void> {
    let children: string[];
    try {
      children = await this.client.getChildren(this.path, this.onWatch);
    } catch (err) {
      if (!isZkError(err, 'NO_NODE')) throw err;
      // Created between the two calls: look again rather than wait for a watch that will not fire.
      if (await this.client.existsWatch(this.path, this.onWatch)) this.lookAgain = true;
      else this.update(null);
      return;
    }
    const name = leadingMember(children, this.label);
    if (name === null) {
      this.update(null);
      return;
    }
    const data = await this.client.getData(`${this.path === '/' ? '' : this.path}/${name}`);
    // The leader left between the two reads; the children watch fires too, but do not rely on order.
    if (data === null) this.lookAgain = true;
    else this.update({ name, data: data.toString('utf8') });
  }

  private update(next: LeaderInfo | null): void {
    if (this.stopped) return;
    const prev = this.leader;
    if (prev?.name === next?.name && prev?.data === next?.data) return;
    this.leader = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch {
        // A listener's failure is its own; the others and the watch loop must carry on.
      }
    }
  }

  private settleFirstLook(): void {
    this.resolveFirstLook?.();
    this.resolveFirstLook = undefined;
  }
}

/**
 * One candidate for leadership under `path`. Leads while its znode has the lowest sequence number;
 * its znode (and so its candidacy) ends with its ZooKeeper session.
 */
export class LeaderContender {
  private znodeName: string | null = null;
  private detector: LeaderDetector | null = null;
  private elected = false;
  private lost = false;
  private readonly electedListeners: Array<() => void> = [];
  private readonly lostListeners: Array<() => void> = [];
  private readonly onExpired = (): void => this.markLost();

  constructor(
    private readonly client: ZkClient,
    private readonly path: string,
    private readonly data: string,
    private readonly label: string = MESOS_LEADER_LABEL,
  ) {}

  /** Creates this contender's znode (and `path` if missing); resolves with the znode's name. */
  async contend(): Promise<string> {
    if (this.znodeName !== null)
      throw new Error(`already contending under ${this.path} as ${this.znodeName}`);
    await this.client.mkdirp(this.path);
    const created = await this.client.create(
      `${this.prefix()}${this.label}`,
      this.data,
      'ephemeral_sequential',
    );
    const name = created.slice(created.lastIndexOf('/') + 1);
    this.znodeName = name;
    this.client.on('expired', this.onExpired);
    const detector = new LeaderDetector(this.client, this.path, this.label);
    this.detector = detector;
    detector.onChange((leader) => {
      if (leader?.name === name) this.markElected();
      else if (this.elected) this.markLost();
    });
    await detector.start();
    return name;
  }

  /** The znode's name, once contend() has created it. */
  get name(): string | null {
    return this.znodeName;
  }

  /** Asks ZooKeeper now, rather than trusting the last watch. */
  async isLeader(): Promise<boolean> {
    if (this.znodeName === null) return false;
    return leadingMember(await this.client.getChildren(this.path), this.label) === this.znodeName;
  }

  /** `cb` runs once, when this contender first leads (at once if it already does). */
  onElected(cb: () => void): void {
    if (this.elected) queueMicrotask(cb);
    else this.electedListeners.push(cb);
  }

  /**
   * `cb` runs once, when a leading contender stops leading: its znode vanished or its session
   * expired. A Mesos master aborts at that point rather than risk two leaders.
   */
  onLost(cb: () => void): void {
    if (this.lost) queueMicrotask(cb);
    else this.lostListeners.push(cb);
  }

  /** Leaves the election: deletes the znode so the next contender can lead at once. */
  async withdraw(): Promise<void> {
    this.detector?.stop();
    this.detector = null;
    this.client.off('expired', this.onExpired);
    const name = this.znodeName;
    this.znodeName = null;
    if (name === null) return;
    try {
      await this.client.remove(`${this.prefix()}${name}`);
    } catch (err) {
      // The session, and with it the znode, is already gone.
      if (!isZkError(err, 'CLIENT_CLOSED') && !isZkError(err, 'SESSION_EXPIRED')) throw err;
    }
  }

  private prefix(): string {
    return this.path === '/' ? '/' : `${this.path}/`;
  }

  private markElected(): void {
    if (this.elected) return;
    this.elected = true;
    for (const cb of this.electedListeners.splice(0)) cb();
  }

  private markLost(): void {
    if (!this.elected || this.lost) return;
    this.lost = true;
    for (const cb of this.lostListeners.splice(0)) cb();
  }
}
