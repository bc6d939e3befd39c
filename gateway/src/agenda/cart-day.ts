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
import { type AgendaDocument, CartAgenda, type CartAgenda as CartAgendaMsg, compile } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import { RetainedDocument, type RetainedDocumentStore, type RetainedRefusal } from '../sync/retained-document.js';

const check = compile(CartAgenda);
const STORE_KEY = 'doc:cloud-agenda';
/** A retained agenda is a few kB per patient; anything far larger is not one. */
export const MAX_AGENDA_BYTES = 1024 * 1024;
/** The largest PDF relayed to the page (a signed report is tens of kB). */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export type CartDayStore = RetainedDocumentStore;
export type AgendaRefusal = RetainedRefusal;

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
  private readonly doc: RetainedDocument<typeof CartAgenda>;

  constructor(private readonly o: CartDayOptions) {
    this.doc = new RetainedDocument({
      name: 'agenda',
      noun: 'day',
      check,
      storeKey: STORE_KEY,
      maxBytes: MAX_AGENDA_BYTES,
      gatewayId: o.gatewayId,
      store: o.store,
      logger: o.logger,
      meanwhile: 'waiting for the cloud',
    });
  }

  /** A payload from the agenda topic: kept when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    return this.doc.receive(payload);
  }

  /** Told of each good day as it lands (the nurse page's event stream pushes it); returns the unsubscribe. */
  onChange(listener: (day: CartAgendaMsg) => void): () => void {
    return this.doc.onChange(listener);
  }

  current(): CartAgendaMsg | null {
    return this.doc.current();
  }

  refusals(): Readonly<Record<AgendaRefusal, number>> {
    return this.doc.refusals();
  }

  /** The signed documents of one patient (the cart's local id), newest first. */
  documents(patient: string): AgendaDocument[] {
    return (this.doc.current()?.documents ?? []).filter((d) => d.patient === patient);
  }

  /** Fetches a document of this day from the cloud's link: the response, its body still to read. */
  async open(id: string): Promise<{ body: ReadableStream<Uint8Array>; length: number | null; doc: AgendaDocument }> {
    const doc = this.doc.current()?.documents.find((d) => d.id === id);
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
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
