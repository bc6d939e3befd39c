/**
 * A client of the embedded broker in the broker's own process, without a socket: the ingest in the
 * embedded layout (docs/region.md, « The ingest in the broker's process »). What it subscribes to is
 * handed to it as aedes routes a message (`aedes.subscribe`, the same matching as a client's
 * subscription, retained messages included at subscribe), and what it publishes goes out through
 * `aedes.publish`, the path of a client's publish after its authorization: stored for the offline
 * persistent sessions at QoS 1, delivered to the connected ones. A batch and its ack no longer cross
 * TLS and the MQTT codec a second time between the broker and the ingest.
 *
 * Flow: aedes acks a gateway's QoS 1 PUBLISH before routing it, and its mqemitter routes at most
 * `concurrency` (100) messages at once, the rest waiting in its queue; a handler that holds `done`
 * while its own queue is full holds one of those slots, as the ingest's full socket did before (aedes
 * waited for its drain). What bounds a storm's backlog is the door: the uplink credit.
 */
import type { Aedes } from 'aedes';
import type { RetainedStore } from './retained-index.js';

/** A message for the in-process client; `done` lets the broker go on with it (hold it to slow the flow). */
export type InProcessHandler = (topic: string, payload: Buffer, done: () => void) => void;

export interface InProcessClient {
  /** Matching messages go to `handler`, the retained ones first (as a SUBSCRIBE would get them). */
  subscribe(filters: readonly string[], handler: InProcessHandler): Promise<void>;
  /** Published through the broker (not retained); `cb` once the broker has stored and routed it. */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1, cb: (err?: Error) => void): void;
  /** False once ended or the broker closed. */
  connected(): boolean;
  /** Unsubscribes; a message routed meanwhile is let through unhandled (the gateway resends what is never acked). */
  end(): Promise<void>;
}

export interface InProcessHooks {
  /** After a subscription is in place (the broker opens its door once the ingest listens). */
  subscribed?(filters: readonly string[]): void;
  /** After one of this client's messages was published (the uplink credit counts the acks). */
  published?(topic: string): void;
}

export function inProcessClient(broker: Aedes, hooks: InProcessHooks = {}): InProcessClient {
  let ended = false;
  const listeners: { filter: string; deliver: (packet: { topic: string; payload: Buffer | string }, cb: () => void) => void }[] = [];
  const toBuffer = (p: Buffer | string) => (typeof p === 'string' ? Buffer.from(p) : p);
  return {
    async subscribe(filters, handler) {
      if (ended) throw new Error('in-process client ended');
      const deliver = (packet: { topic: string; payload: Buffer | string }, cb: () => void): void => {
        if (ended) cb();
        else handler(packet.topic, toBuffer(packet.payload), cb);
      };
      for (const filter of filters) {
        await new Promise<void>((resolve, reject) => {
          try {
            broker.subscribe(filter, deliver, () => resolve());
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        listeners.push({ filter, deliver });
      }
      // aedes's in-memory persistence (broker.persistence, not in aedes's type), as for a client's SUBSCRIBE.
      const retained = (broker as unknown as { persistence: RetainedStore }).persistence.createRetainedStreamCombi([...filters]);
      for await (const p of retained as AsyncIterable<{ topic: string; payload: Buffer | string }>) {
        if (ended) break;
        await new Promise<void>((r) => handler(p.topic, toBuffer(p.payload), r));
      }
      hooks.subscribed?.(filters);
    },
    publish(topic, payload, qos, cb) {
      if (ended || broker.closed) return cb(new Error('in-process client ended'));
      broker.publish({ cmd: 'publish', topic, payload: toBuffer(payload), qos, retain: false, dup: false }, (err) => {
        if (err) return cb(err);
        hooks.published?.(topic);
        cb();
      });
    },
    connected: () => !ended && !broker.closed,
    async end() {
      if (ended) return;
      ended = true;
      await Promise.all(
        listeners.splice(0).map(
          ({ filter, deliver }) =>
            new Promise<void>((r) => {
              if (broker.closed) return r();
              broker.unsubscribe(filter, deliver, () => r());
            }),
        ),
      );
    },
  };
}
