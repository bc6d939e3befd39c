/**
 * The TLS session-ticket key of the cloud's broker, kept in the security directory so that a
 * ticket a gateway got before a restart still resumes its session after it (docs/region.md,
 * « TLS sessions resumed across a restart »): a resumed handshake skips the certificate's
 * signature and its chain check on both sides.
 *
 *   tls-ticket-key.json   { key: 48 random bytes in base64, createdAt }   mode 0600, made once
 *
 * Rotation: a key older than TICKET_KEY_ROTATION_MS is replaced while the cloud runs (checked each
 * hour by the broker's wiring), not at a start, so that a restart never costs every gateway a
 * full handshake. Node's TLS server holds one ticket key: a ticket sealed with the previous key
 * is not decrypted after a rotation, and its gateway makes one full handshake (nothing else is lost).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TLS_SESSION_LIFETIME_S } from '../broker/embedded-broker.js';
import { writeFileAtomic } from './mosquitto-files.js';

export const TICKET_KEY_FILE = 'tls-ticket-key.json';
/** Bytes of a Node ticket key: 16 of key name, 16 of HMAC secret, 16 of AES key. */
const KEY_BYTES = 48;
/** Age after which the key is replaced: as long as a ticket lives (TLS_SESSION_LIFETIME_S, 7 days). */
export const TICKET_KEY_ROTATION_MS = TLS_SESSION_LIFETIME_S * 1000;

const TicketKeyFile = Type.Object(
  { key: Type.String({ pattern: '^[A-Za-z0-9+/]{64}$' }), createdAt: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
type TicketKeyFile = Static<typeof TicketKeyFile>;

export type TicketKeyProblem = (problem: string) => void;

export class TicketKeys {
  private constructor(
    private readonly file: string,
    private readonly now: () => Date,
    private key: Buffer,
    private createdAt: number,
  ) {}

  /**
   * Reads the key of `dir`, or makes one. A file that cannot be read as a key is reported to
   * `problem` and replaced: tickets sealed with it fall back to a full handshake.
   */
  static open(dir: string, now: () => Date, problem: TicketKeyProblem = () => undefined): TicketKeys {
    const file = join(dir, TICKET_KEY_FILE);
    if (existsSync(file)) {
      const read = readKeyFile(file);
      if (read.ok) return new TicketKeys(file, now, read.key, read.createdAt);
      problem(`${TICKET_KEY_FILE}: ${read.error}; a new ticket key replaces it`);
    }
    const keys = new TicketKeys(file, now, Buffer.alloc(0), 0);
    keys.replace();
    return keys;
  }

  /** The key for the TLS servers' `ticketKeys`. */
  current(): Buffer {
    return this.key;
  }

  /** Replaces a key older than TICKET_KEY_ROTATION_MS; true when it did (the servers must get the new one). */
  rotateIfDue(): boolean {
    if (this.now().getTime() - this.createdAt < TICKET_KEY_ROTATION_MS) return false;
    this.replace();
    return true;
  }

  private replace(): void {
    const key = randomBytes(KEY_BYTES);
    const createdAt = this.now();
    const body: TicketKeyFile = { key: key.toString('base64'), createdAt: createdAt.toISOString() };
    writeFileAtomic(this.file, `${JSON.stringify(body)}\n`, 0o600);
    this.key = key;
    this.createdAt = createdAt.getTime();
  }
}

function readKeyFile(file: string): { ok: true; key: Buffer; createdAt: number } | { ok: false; error: string } {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { ok: false, error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!Value.Check(TicketKeyFile, body)) {
    const first = Value.Errors(TicketKeyFile, body).First();
    return { ok: false, error: `not a ticket key (${first ? `${first.path || '/'}: ${first.message}` : 'invalid'})` };
  }
  const createdAt = Date.parse(body.createdAt);
  if (Number.isNaN(createdAt)) return { ok: false, error: 'createdAt is not a date' };
  return { ok: true, key: Buffer.from(body.key, 'base64'), createdAt };
}
