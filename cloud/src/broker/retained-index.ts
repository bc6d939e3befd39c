/**
 * Retained messages found by exact topic in aedes's in-memory persistence. aedes-persistence
 * answers every SUBSCRIBE by testing every retained topic against the filter (a new matcher and a
 * topic split per retained message): each gateway keeps a retained status, so each gateway's
 * subscription to its own ack topic cost O(gateways) — the fleet's connect phase grew with the
 * square of its size (docs/benchmarks.md, "Fleet"). A filter without wildcards is now one map
 * lookup; filters with + or # still take the full scan (the ingest's, a handful).
 */
import { Readable } from 'node:stream';

interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
}

/** The two methods of aedes-persistence (callback flavour, cb optional) this wraps. */
export interface RetainedStore {
  storeRetained(packet: RetainedPacket, cb?: (e?: Error | null) => void): unknown;
  createRetainedStreamCombi(filters: string[]): Readable;
}

const hasWildcard = (filter: string) => filter.includes('+') || filter.includes('#');

/** Wraps `persistence` (before any retained message is stored) so exact filters are map lookups. */
export function indexRetained(persistence: RetainedStore): void {
  const byTopic = new Map<string, RetainedPacket>();
  const store = persistence.storeRetained.bind(persistence);
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.storeRetained = (packet, cb) => {
    // As aedes-persistence: an empty payload clears the topic; a copy is kept.
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
    return store(packet, cb);
  };
  persistence.createRetainedStreamCombi = (filters) => {
    if (filters.some(hasWildcard)) return combi(filters);
    const found: RetainedPacket[] = [];
    for (const f of new Set(filters)) {
      const p = byTopic.get(f);
      if (p) found.push(p);
    }
    return Readable.from(found);
  };
}
