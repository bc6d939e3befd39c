/**
 * The cart's day as the cloud last sent it (retained on telecart/v1/gw/{id}/agenda): the acts of
 * the day and the signed documents of the patients this cart serves. A payload that is not JSON,
 * not the protocol's CartAgenda, or addressed to another cart is refused and logged, and the last
 * good day is kept. The last good day is written to the store, so the nurse page still shows it
 * offline after a restart.
 *
 * Documents are fetched by the gateway from the cloud's link (HTTPS; plain HTTP only to a loopback
 * address) and streamed to the nurse page: the page never talks to the cloud itself.
 */
import { type AgendaDocument, CartAgenda, type CartAgenda as CartAgendaMsg, compile, formatIssues } from '@telecart/protocol';
import type { Logger } from '../logger.js';

const check = compile(CartAgenda);
const STORE_KEY = 'doc:cloud-agenda';
/** A retained agenda is a few kB per patient; anything far larger is not one. */
export const MAX_AGENDA_BYTES = 1024 * 1024;
/** The largest PDF relayed to the page (a signed report is tens of kB). */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export interface CartDayStore {
  loadMeta(key: `doc:${string}`): string | undefined;
  saveMeta(key: `doc:${string}`, value: string): void;
}

export type AgendaRefusal = 'oversize' | 'not-json' | 'schema' | 'wrong-gateway';

/** Why a document could not be opened: unknown to this day, a link the gateway will not follow, the cloud's answer. */
export class DocumentUnavailable extends Error {
  constructor(
    readonly status: 404 | 502,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentUnavailable';
  }
}

export interface CartDayOptions {
  gatewayId: string;
  store: CartDayStore;
  logger: Logger;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export class CartDay {
  private day: CartAgendaMsg | null = null;
  private readonly refused: Record<AgendaRefusal, number> = { oversize: 0, 'not-json': 0, schema: 0, 'wrong-gateway': 0 };
  private readonly listeners = new Set<(day: CartAgendaMsg) => void>();

  constructor(private readonly o: CartDayOptions) {
    const saved = o.store.loadMeta(STORE_KEY);
    if (saved === undefined) return;
    // What was stored was checked when it came; checked again (a newer gateway may have written it).
    const r = this.parse(Buffer.from(saved));
    if (r.ok) this.day = r.day;
    else o.logger.warn({ reason: r.reason, detail: r.detail }, 'agenda: the stored day cannot be read; waiting for the cloud');
  }

  /** A payload from the agenda topic: kept when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    const r = this.parse(payload);
    if (!r.ok) {
      this.refused[r.reason]++;
      this.o.logger.warn(
        { reason: r.reason, detail: r.detail, kept: this.day?.at ?? null },
        'agenda: refused a day from the cloud; the last good one is kept',
      );
      return false;
    }
    this.day = r.day;
    this.o.store.saveMeta(STORE_KEY, JSON.stringify(r.day));
    for (const l of this.listeners) l(r.day);
    return true;
  }

  /** Told of each good day as it lands (the nurse page's event stream pushes it); returns the unsubscribe. */
  onChange(listener: (day: CartAgendaMsg) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  current(): CartAgendaMsg | null {
    return this.day;
  }

  refusals(): Readonly<Record<AgendaRefusal, number>> {
    return { ...this.refused };
  }

  /** The signed documents of one patient (the cart's local id), newest first. */
  documents(patient: string): AgendaDocument[] {
    return (this.day?.documents ?? []).filter((d) => d.patient === patient);
  }

  /** Fetches a document of this day from the cloud's link: the response, its body still to read. */
  async open(id: string): Promise<{ body: ReadableStream<Uint8Array>; length: number | null; doc: AgendaDocument }> {
    const doc = this.day?.documents.find((d) => d.id === id);
    if (doc === undefined) throw new DocumentUnavailable(404, `no document ${id} in the cart's day`);
    const url = new URL(doc.url);
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))))
      throw new DocumentUnavailable(502, `document ${id}: the cloud's link is not HTTPS (${url.protocol}//${url.host}); not followed`);
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(url, { redirect: 'error', headers: { accept: 'application/pdf' } });
    } catch (e) {
      throw new DocumentUnavailable(502, `document ${id}: the cloud cannot be reached (${(e as Error).message})`);
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !type.startsWith('application/pdf') || res.body === null) {
      await res.body?.cancel();
      throw new DocumentUnavailable(
        502,
        `document ${id}: the cloud answered ${res.status} ${type || 'without a type'}${res.status === 410 ? ' (the link expired; it is renewed with the next day)' : ''}`,
      );
    }
    const length = Number(res.headers.get('content-length'));
    if (length > MAX_DOCUMENT_BYTES) {
      await res.body.cancel();
      throw new DocumentUnavailable(502, `document ${id}: ${length} bytes, more than the ${MAX_DOCUMENT_BYTES} relayed`);
    }
    return { body: res.body, length: Number.isFinite(length) && length > 0 ? length : null, doc };
  }

  private parse(payload: Buffer): { ok: true; day: CartAgendaMsg } | { ok: false; reason: AgendaRefusal; detail: string } {
    if (payload.length > MAX_AGENDA_BYTES) return { ok: false, reason: 'oversize', detail: `${payload.length} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'not-json', detail: (e as Error).message };
    }
    const v = check.validate(json);
    if (!v.ok) return { ok: false, reason: 'schema', detail: formatIssues(v.issues).slice(0, 500) };
    if (v.value.gatewayId !== this.o.gatewayId)
      return { ok: false, reason: 'wrong-gateway', detail: `for ${v.value.gatewayId}, this cart is ${this.o.gatewayId}` };
    return { ok: true, day: v.value };
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
