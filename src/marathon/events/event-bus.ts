// Marathon's event bus: every event the REST layer streams on /v2/events. Payloads carry
// `eventType` and `timestamp` (strict clients need both) plus the fields of that event type.

export interface MarathonEvent {
  eventType: string;
  timestamp: string;
  [field: string]: unknown;
}

export type EventListener = (event: MarathonEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Stamps the event with the bus's clock and hands it to every listener. */
  publish(eventType: string, fields: Record<string, unknown> = {}): MarathonEvent {
    const event: MarathonEvent = { ...fields, eventType, timestamp: new Date(this.now()).toISOString() };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken listener must not stop the others, nor the code that published.
      }
    }
    return event;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
