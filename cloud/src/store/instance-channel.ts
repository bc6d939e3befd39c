/**
 * A cloud-internal channel between the instances that share one store (docs/teleconsultation.md,
 * « Several cloud instances »): each instance listens on its own name (its lease owner id) and sends
 * text to another's. PostgreSQL carries it (LISTEN/NOTIFY, pg-instance-channel.ts); SQLite has none
 * (one instance). A NOTIFY payload is at most 8000 bytes: longer texts go as numbered parts
 * (ChannelParts below), put back together on receipt. Delivery is at most once, in send order from
 * one sender; nothing is kept for an instance that is not listening.
 */
import { randomBytes } from 'node:crypto';

export interface InstanceChannel {
  /** Starts delivering the texts other instances send to `name`. */
  listen(name: string, receive: (text: string) => void): Promise<void>;
  /** Sends a text to the instance listening on `name` (none: it is lost). */
  send(name: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/** What a channel reports: its connection lost (it reconnects), a payload it could not read (dropped). */
export interface InstanceChannelEvents {
  lost(err: Error): void;
  dropped(why: string): void;
}

/** Bytes of one part on the wire: under PostgreSQL's 8000-byte NOTIFY payload limit. */
export const MAX_PART_BYTES = 7800;
/** Parts of one text at most (≈ 730 KB): more is not signaling; such a text is refused at send. */
export const MAX_PARTS = 128;
/** A text whose parts did not all come within this long is dropped. */
const PART_WAIT_MS = 30_000;
/** Texts being put back together at most (a sender that never finishes cannot grow this). */
const MAX_PENDING = 256;

const B64_PER_PART = MAX_PART_BYTES - 40;
const PART = /^([0-9a-f]{16}) ([0-9]{1,3}) ([0-9]{1,3}) ([A-Za-z0-9+/=]+)$/;

/** One text as the payloads that carry it: `=text` whole, or `<id> <i> <n> <base64>` parts. */
export function toParts(text: string): string[] {
  if (Buffer.byteLength(text, 'utf8') + 1 <= MAX_PART_BYTES) return [`=${text}`];
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const n = Math.ceil(b64.length / B64_PER_PART);
  if (n > MAX_PARTS) throw new Error(`${text.length} characters: more than ${MAX_PARTS} parts`);
  const id = randomBytes(8).toString('hex');
  return Array.from({ length: n }, (_, i) => `${id} ${i} ${n} ${b64.slice(i * B64_PER_PART, (i + 1) * B64_PER_PART)}`);
}

/** Puts the parts back together: whole texts come out of `take`; a malformed payload is said why. */
export class ChannelParts {
  private readonly pending = new Map<string, { parts: (string | undefined)[]; got: number; since: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A payload received: the whole text when it completes one, null while parts are missing, or an error. */
  take(payload: string): { text: string } | { error: string } | null {
    if (payload.startsWith('=')) return { text: payload.slice(1) };
    const m = PART.exec(payload);
    if (!m) return { error: 'not a part of a text' };
    const [, id = '', is = '', ns = '', data = ''] = m;
    const i = Number(is);
    const n = Number(ns);
    if (n < 2 || n > MAX_PARTS || i >= n) return { error: `part ${i} of ${n}` };
    this.sweep();
    let p = this.pending.get(id);
    if (!p) {
      if (this.pending.size >= MAX_PENDING) return { error: 'too many texts in parts at once' };
      p = { parts: new Array<string | undefined>(n).fill(undefined), got: 0, since: this.now() };
      this.pending.set(id, p);
    }
    if (p.parts.length !== n) return { error: `part ${i} of ${n}, of a text in ${p.parts.length}` };
    if (p.parts[i] === undefined) p.got++;
    p.parts[i] = data;
    if (p.got < n) return null;
    this.pending.delete(id);
    return { text: Buffer.from(p.parts.join(''), 'base64').toString('utf8') };
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, p] of this.pending) if (t - p.since > PART_WAIT_MS) this.pending.delete(id);
  }
}
