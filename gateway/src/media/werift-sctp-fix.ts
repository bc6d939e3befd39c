/**
 * Two corrections of werift 0.24.4's SCTP sender for partially reliable channels (the ECG's, ordered,
 * one resend at most), applied to its SCTP class at our side — we report upstream, we don't fork
 * (docs/conversation.md « The ECG stall », with the bug report's text):
 *
 * 1. `maybeAbandon(chunk)`: werift marked abandoned the sent queue's *first* DATA chunk, not the one over
 *    its limit; that one was neither resent nor covered by a FORWARD TSN until it became the first, and an
 *    ordered channel waited behind it. Here the chunk itself is abandoned, with the other fragments of its
 *    message. A chunk the peer holds (gap-acked) is neither resent nor abandoned: werift's retransmission
 *    timeout resent every chunk of the sent queue, and a gap-acked chunk put in flight again was never taken
 *    out of the flight size — once that leak reached the congestion window with nothing left in the sent
 *    queue (so no timer to reset it), the association sent nothing more, on every channel.
 * 2. `updateAdvancedPeerAckPoint()`: werift sent a FORWARD TSN once, when it abandoned chunks; a lost one
 *    was never sent again, and the ordered stream waited for a message that would never come. Here the last
 *    FORWARD TSN is sent again (on each SACK and at each retransmission timeout, RFC 3758 § 3.5 C2/C5) while
 *    the peer's cumulative TSN is short of it.
 *
 * Guarded: the SCTP class's source must be the one these were written against (its SHA-256); werift
 * upgraded or its SCTP changed, `correctWeriftSctp` throws (and `werift-sctp-fix.test.ts` fails) rather
 * than silently patching code it no longer knows.
 */
import { createHash } from 'node:crypto';

/** SHA-256 of werift 0.24.4's SCTP class source (`lib/index.mjs`, `var SCTP = class _SCTP`). */
export const WERIFT_SCTP_SOURCE_SHA256 = '19c9cbb87acc6642cf6707b4323d09760bed649712a31bfcff664b6f8ccf7090';

/** What the corrections read and write of werift's DATA chunks (`DataChunk` in its SCTP). */
export interface SentDataChunk {
  tsn: number;
  flags: number;
  streamId: number;
  streamSeqNum: number;
  sentCount: number;
  maxRetransmits?: number | undefined;
  expiry?: number | undefined;
  acked: boolean;
  abandoned: boolean;
  retransmit: boolean;
}

/** What they read and write of werift's SCTP association. */
interface SctpAssociation {
  sentQueue: SentDataChunk[];
  lastSackedTsn: number;
  advancedPeerAckTsn: number;
  forwardTsnChunk?: { cumulativeTsn: number } | undefined;
}

type AbandonMethod = (this: SctpAssociation, chunk: SentDataChunk) => boolean;
type AdvanceMethod = (this: SctpAssociation) => void;

/** DATA chunk flags (RFC 4960 § 3.3.1): E (last fragment), B (first fragment). */
const LAST_FRAG = 0x01;
const FIRST_FRAG = 0x02;

const CORRECTED = Symbol.for('telecart.werift-sctp-corrected');

export class WeriftSctpChanged extends Error {
  constructor(found: string) {
    super(
      `werift's SCTP is not the code gateway/src/media/werift-sctp-fix.ts corrects (source SHA-256 ${found}, ` +
        `expected ${WERIFT_SCTP_SOURCE_SHA256}, werift 0.24.4): check whether maybeAbandon and the FORWARD TSN ` +
        'resend are fixed upstream (docs/conversation.md « The ECG stall »), then drop or adapt the correction',
    );
    this.name = 'WeriftSctpChanged';
  }
}

/** a > b in serial number arithmetic (RFC 1982, 32 bits), as TSNs compare. */
function tsnAfter(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

/** Whether a chunk has used up its partial reliability: resent more than allowed, or past its lifetime. */
export function overLimit(chunk: SentDataChunk, nowSeconds: number): boolean {
  if (typeof chunk.maxRetransmits === 'number' && chunk.sentCount > chunk.maxRetransmits) return true;
  return typeof chunk.expiry === 'number' && chunk.expiry > 0 && chunk.expiry < nowSeconds;
}

/**
 * Whether `chunk` must not be resent; a chunk over its limit is marked abandoned here with the other
 * fragments of its message (the queue is in TSN order, a message's fragments consecutive).
 */
export function abandonOrHold(queue: SentDataChunk[], chunk: SentDataChunk, nowSeconds: number): boolean {
  if (chunk.abandoned) return true;
  if (!overLimit(chunk, nowSeconds)) return chunk.acked;
  const at = queue.indexOf(chunk);
  const mark = (c: SentDataChunk) => {
    c.abandoned = true;
    c.retransmit = false;
  };
  mark(chunk);
  if (at < 0) return true;
  // Back to the message's first fragment, on to its last.
  for (let i = at; i > 0; i--) {
    const c = queue[i];
    const before = queue[i - 1];
    if (!c || c.flags & FIRST_FRAG || !before) break;
    mark(before);
  }
  for (let i = at; i < queue.length - 1; i++) {
    const c = queue[i];
    const after = queue[i + 1];
    if (!c || c.flags & LAST_FRAG || !after) break;
    mark(after);
  }
  return true;
}

function sourceDigest(sctpClass: unknown): string {
  return createHash('sha256').update(String(sctpClass)).digest('hex');
}

/**
 * Corrects the SCTP class of this association (werift's one class: every association of the process),
 * once. Throws WeriftSctpChanged when the class is not the one the corrections were written against.
 */
export function correctWeriftSctp(association: object): void {
  const proto: unknown = Object.getPrototypeOf(association);
  if (typeof proto !== 'object' || proto === null) throw new WeriftSctpChanged('(no prototype)');
  const p = proto as Record<PropertyKey, unknown>;
  if (p[CORRECTED] === true) return;
  const digest = sourceDigest(p.constructor);
  if (digest !== WERIFT_SCTP_SOURCE_SHA256) throw new WeriftSctpChanged(digest);
  const advance = p.updateAdvancedPeerAckPoint as AdvanceMethod;
  const lastForward = new WeakMap<SctpAssociation, { cumulativeTsn: number }>();

  const maybeAbandon: AbandonMethod = function (chunk) {
    // werift compares `expiry` with seconds since the epoch (and sets it in ms + s: a channel's
    // maxPacketLifeTime never expires, here as in werift; the gateway uses none).
    return abandonOrHold(this.sentQueue, chunk, Date.now() / 1000);
  };
  const updateAdvancedPeerAckPoint: AdvanceMethod = function () {
    advance.call(this);
    const made = this.forwardTsnChunk;
    if (made) {
      lastForward.set(this, made);
      return;
    }
    const last = lastForward.get(this);
    if (!last) return;
    if (tsnAfter(last.cumulativeTsn, this.lastSackedTsn)) this.forwardTsnChunk = last;
    else lastForward.delete(this);
  };
  p.maybeAbandon = maybeAbandon;
  p.updateAdvancedPeerAckPoint = updateAdvancedPeerAckPoint;
  p[CORRECTED] = true;
}
