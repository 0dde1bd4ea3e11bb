// The agent's connection to the leading master (see protocol/agent-protocol.ts): subscribe, read
// events, send calls; on any break, find the leader again and re-register with backoff.
import type { IncomingMessage } from 'node:http';
import {
  AGENT_CALL_PATH,
  AGENT_ID_HEADER,
  AGENT_SUBSCRIBE_PATH,
  type AgentCall,
  type AgentEvent,
  type AgentSubscribe,
} from '../protocol/agent-protocol.js';
import { RecordIODecoder } from '../protocol/recordio.js';
import type { MasterDetector } from '../master-detector.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { postForStream, postJson, readAll } from '../../util/http-client.js';
import type { Logger } from '../../util/log.js';

export interface MasterLinkOptions {
  detector: MasterDetector;
  clock: Clock;
  log: Logger;
  /** Built fresh for each attempt, so a re-registration reports the agent's current tasks. */
  subscribeBody: () => AgentSubscribe;
  onEvent: (event: AgentEvent) => void;
  /** Backoff factor: retry n waits a random time in [0, factor x 2^n], capped at maxBackoffMs. */
  backoffFactorMs: number;
  maxBackoffMs: number;
}

export class MasterLink {
  private response: IncomingMessage | null = null;
  private masterUrl: string | null = null;
  private agentId: string | null = null;
  private attempt = 0;
  private retryTimer: TimerHandle | null = null;
  private stopped = false;
  private connecting = false;
  private unsubscribeDetector: (() => void) | null = null;

  constructor(private readonly options: MasterLinkOptions) {}

  start(): void {
    this.unsubscribeDetector = this.options.detector.onChange((url) => {
      // A new leader: drop the link to the old one (if any) and register with the new one.
      if (url !== this.masterUrl) this.dropAndRetry(0);
    });
    void this.connect();
  }

  get connected(): boolean {
    return this.response !== null && this.agentId !== null;
  }

  get master(): string | null {
    return this.masterUrl;
  }

  /** Sends a call to the master; false when not linked (the caller's retry logic covers it). */
  send(call: AgentCall): boolean {
    const url = this.masterUrl;
    const agentId = this.agentId;
    if (!url || !agentId || !this.response) return false;
    postJson(`${url}${AGENT_CALL_PATH}`, call, { headers: { [AGENT_ID_HEADER]: agentId } }).then(
      (res) => {
        if (res.status !== 202)
          this.options.log.warn('Master refused a call', {
            type: call.type,
            status: res.status,
            body: res.body,
          });
      },
      (err: unknown) =>
        this.options.log.debug('Call to master failed', { type: call.type, error: (err as Error).message }),
    );
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.unsubscribeDetector?.();
    this.response?.destroy();
    this.response = null;
  }

  private dropAndRetry(delayMs: number): void {
    const had = this.response;
    this.response = null;
    had?.destroy();
    this.scheduleRetry(delayMs);
  }

  private scheduleRetry(delayMs?: number): void {
    if (this.stopped || this.retryTimer) return;
    const cap = Math.min(
      this.options.maxBackoffMs,
      this.options.backoffFactorMs * 2 ** Math.min(this.attempt, 16),
    );
    const wait = delayMs ?? Math.random() * cap;
    this.attempt++;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, wait);
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting || this.response) return;
    const url = this.options.detector.current();
    if (!url) {
      this.scheduleRetry();
      return;
    }
    this.connecting = true;
    try {
      const body = this.options.subscribeBody();
      const res = await postForStream(`${url}${AGENT_SUBSCRIBE_PATH}`, body, { timeoutMs: 10_000 });
      if (res.statusCode !== 200) {
        const text = await readAll(res);
        throw new Error(`master at ${url} answered ${res.statusCode}: ${text}`);
      }
      res.setTimeout(0);
      this.response = res;
      this.masterUrl = url;
      this.read(res);
    } catch (err) {
      this.options.log.debug('Could not register with the master', {
        master: url,
        error: (err as Error).message,
      });
      this.scheduleRetry();
    } finally {
      this.connecting = false;
    }
  }

  private read(res: IncomingMessage): void {
    const decoder = new RecordIODecoder();
    res.on('data', (chunk: Buffer) => {
      let records: string[];
      try {
        records = decoder.push(chunk);
      } catch (err) {
        this.options.log.error('Corrupt stream from master', { error: (err as Error).message });
        res.destroy();
        return;
      }
      for (const record of records) {
        const event = JSON.parse(record) as AgentEvent;
        if (event.type === 'REGISTERED') {
          this.agentId = event.agent_id.value;
          this.attempt = 0;
        }
        this.options.onEvent(event);
      }
    });
    const closed = (): void => {
      if (this.response !== res) return;
      this.response = null;
      this.options.log.warn('Lost the link to the master', { master: this.masterUrl });
      this.scheduleRetry();
    };
    res.on('end', closed);
    res.on('close', closed);
    res.on('error', closed);
  }
}
