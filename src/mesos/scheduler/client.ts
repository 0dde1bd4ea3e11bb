// A v1 scheduler API client: what a framework (our Marathon and Chronos, tests, benchmarks) uses to
// talk to a master exactly as any third-party framework would. It finds the leader (URL or zk://),
// follows 307s, keeps the SUBSCRIBE stream, and sends calls with the Mesos-Stream-Id header.
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import { createMasterDetector, type MasterDetector } from '../master-detector.js';
import { RecordIODecoder } from '../protocol/recordio.js';
import type { FrameworkInfo, SchedulerCall, SchedulerEvent } from '../protocol/types.js';
import { postForStream, postJson, readAll } from '../../util/http-client.js';

export interface SchedulerClientOptions {
  /** http://host:port, host:port or zk://host:port/path */
  master: string;
  frameworkInfo: FrameworkInfo;
  /** Re-subscribe (with the framework id) when the stream breaks. Default true. */
  reconnect?: boolean;
  reconnectDelayMs?: number;
}

export class SchedulerCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly callType: string,
  ) {
    super(`${callType} answered ${status}: ${body}`);
  }
}

/**
 * Events: 'event' (every SchedulerEvent), 'subscribed' (framework id), 'error' (ERROR events and
 * connection errors), 'disconnected'.
 */
export class SchedulerClient extends EventEmitter {
  frameworkId: string | undefined;
  streamId: string | undefined;
  masterUrl: string | undefined;
  private response: IncomingMessage | null = null;
  private detector: MasterDetector | null = null;
  private stopped = false;
  private info: FrameworkInfo;

  constructor(private readonly options: SchedulerClientOptions) {
    super();
    this.info = options.frameworkInfo;
    if (options.frameworkInfo.id) this.frameworkId = options.frameworkInfo.id.value;
  }

  /** Subscribes and resolves once SUBSCRIBED arrives (rejects on an ERROR event or HTTP error). */
  async subscribe(): Promise<string> {
    this.detector ??= await createMasterDetector(this.options.master);
    const url = this.detector.current();
    if (!url) throw new Error(`No leading master found at ${this.options.master}`);
    const info = this.frameworkId ? { ...this.info, id: { value: this.frameworkId } } : this.info;
    const call: SchedulerCall = {
      type: 'SUBSCRIBE',
      ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}),
      subscribe: { framework_info: info },
    };
    const res = await postForStream(`${url}/api/v1/scheduler`, call);
    if (res.statusCode !== 200) {
      throw new SchedulerCallError(res.statusCode ?? 0, await readAll(res), 'SUBSCRIBE');
    }
    // Calls go where the detector points; postJson follows a 307 to the leader like the stream did.
    this.masterUrl = url;
    this.streamId = String(res.headers['mesos-stream-id']);
    this.response = res;
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const decoder = new RecordIODecoder();
      res.on('data', (chunk: Buffer) => {
        for (const record of decoder.push(chunk)) {
          const event = JSON.parse(record) as SchedulerEvent;
          if (event.type === 'SUBSCRIBED') {
            this.frameworkId = event.subscribed.framework_id.value;
            if (!settled) {
              settled = true;
              resolve(this.frameworkId);
            }
            this.emit('subscribed', this.frameworkId);
          } else if (event.type === 'ERROR' && !settled) {
            settled = true;
            reject(new Error(`Subscription failed: ${event.error.message}`));
          }
          this.emit('event', event);
        }
      });
      const closed = (): void => {
        if (this.response !== res) return;
        this.response = null;
        if (!settled) {
          settled = true;
          reject(new Error('The master closed the subscription stream'));
        }
        this.emit('disconnected');
        if (!this.stopped && (this.options.reconnect ?? true)) this.resubscribeLater();
      };
      res.on('end', closed);
      res.on('close', closed);
      res.on('error', closed);
    });
  }

  private resubscribeLater(): void {
    setTimeout(() => {
      if (this.stopped || this.response) return;
      this.subscribe().catch(() => this.resubscribeLater());
    }, this.options.reconnectDelayMs ?? 500);
  }

  /** Sends a non-SUBSCRIBE call; resolves with the HTTP status (202 expected), rejects on 4xx/5xx. */
  async call(call: Omit<SchedulerCall, 'framework_id'>): Promise<number> {
    if (!this.frameworkId || !this.streamId || !this.masterUrl) throw new Error('Not subscribed');
    const res = await postJson(
      `${this.detector?.current() ?? this.masterUrl}/api/v1/scheduler`,
      { ...call, framework_id: { value: this.frameworkId } },
      { headers: { 'Mesos-Stream-Id': this.streamId } },
    );
    if (res.status >= 300) throw new SchedulerCallError(res.status, res.body, call.type);
    return res.status;
  }

  /** Closes the stream (the master sees a disconnect and starts the failover timeout). */
  async close(): Promise<void> {
    this.stopped = true;
    this.response?.destroy();
    this.response = null;
    await this.detector?.stop();
  }
}
