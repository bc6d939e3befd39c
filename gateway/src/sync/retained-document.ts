/**
 * One document the cloud keeps retained for this cart on its own topic (the day's agenda, the
 * patient list, the nurses): the last good one, kept in memory and in the store so the cart has it
 * offline after a restart. A payload that is too large, not JSON, not the protocol's schema, or
 * addressed to another cart is refused, counted and logged, and the last good one is kept.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { formatIssues, type Validator } from '@telecart/protocol';
import type { Logger } from '../logger.js';

export type RetainedRefusal = 'oversize' | 'not-json' | 'schema' | 'wrong-gateway';

/** Where the last good document is kept (the reading store's meta table). */
export interface RetainedDocumentStore {
  loadMeta(key: `doc:${string}`): string | undefined;
  saveMeta(key: `doc:${string}`, value: string): void;
}

export interface RetainedDocumentOptions<S extends TSchema> {
  /** Names the document in logs: `${name}: refused a ${noun} from the cloud…`. */
  name: string;
  /** What one document is called in logs ('day', 'list'). */
  noun: string;
  check: Validator<S>;
  storeKey: `doc:${string}`;
  /** Anything larger is not such a document. */
  maxBytes: number;
  gatewayId: string;
  store: RetainedDocumentStore;
  logger: Logger;
  /** Said in the log when the stored copy cannot be read (what the cart uses meanwhile). */
  meanwhile: string;
  /** What the schema cannot say (parts that must agree with each other): a problem refuses it as 'schema'. */
  problem?: (doc: Static<S>) => string | null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: RetainedRefusal; detail: string };

export class RetainedDocument<S extends TSchema & { static: { gatewayId: string; at: string } }> {
  private doc: Static<S> | null = null;
  private readonly refused: Record<RetainedRefusal, number> = { oversize: 0, 'not-json': 0, schema: 0, 'wrong-gateway': 0 };
  private readonly listeners = new Set<(doc: Static<S>) => void>();

  constructor(private readonly o: RetainedDocumentOptions<S>) {
    const saved = o.store.loadMeta(o.storeKey);
    if (saved === undefined) return;
    // What was stored was checked when it came; checked again (a newer gateway may have written it).
    const r = this.parse(Buffer.from(saved));
    if (r.ok) this.doc = r.value;
    else o.logger.warn({ reason: r.reason, detail: r.detail }, `${o.name}: the stored ${o.noun} cannot be read; ${o.meanwhile}`);
  }

  /** A payload from the topic: kept (stored first, then listeners told) when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    const r = this.parse(payload);
    if (!r.ok) {
      this.refused[r.reason]++;
      this.o.logger.warn(
        { reason: r.reason, detail: r.detail, kept: this.doc?.at ?? null },
        `${this.o.name}: refused a ${this.o.noun} from the cloud; the last good one is kept`,
      );
      return false;
    }
    this.doc = r.value;
    this.o.store.saveMeta(this.o.storeKey, JSON.stringify(r.value));
    for (const l of this.listeners) l(r.value);
    return true;
  }

  /** Told of each good document as it lands; returns the unsubscribe function. */
  onChange(listener: (doc: Static<S>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last good document, or null if none ever came. */
  current(): Static<S> | null {
    return this.doc;
  }

  refusals(): Readonly<Record<RetainedRefusal, number>> {
    return { ...this.refused };
  }

  private parse(payload: Buffer): Parsed<Static<S>> {
    if (payload.length > this.o.maxBytes) return { ok: false, reason: 'oversize', detail: `${payload.length} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'not-json', detail: (e as Error).message };
    }
    const v = this.o.check.validate(json);
    if (!v.ok) return { ok: false, reason: 'schema', detail: formatIssues(v.issues).slice(0, 500) };
    const gatewayId = (v.value as { gatewayId: string }).gatewayId;
    if (gatewayId !== this.o.gatewayId)
      return { ok: false, reason: 'wrong-gateway', detail: `for ${gatewayId}, this cart is ${this.o.gatewayId}` };
    const problem = this.o.problem?.(v.value) ?? null;
    if (problem !== null) return { ok: false, reason: 'schema', detail: problem };
    return { ok: true, value: v.value };
  }
}
