/**
 * Time-limited TURN credentials, one per party of an act, by the TURN REST API scheme
 * (draft-uberti-behave-turn-rest-00) that coturn implements with `use-auth-secret`: the cloud and
 * the TURN server share a secret; the username is `<expiry, Unix seconds>:<subject>` and the
 * password is base64(HMAC-SHA1(secret, username)). The TURN server checks both and refuses an
 * expired username, so nothing long-lived reaches a browser or a cart, and the subject (act and
 * party) appears in the TURN server's log next to the relayed session.
 */
import { createHmac } from 'node:crypto';

export interface TurnRestOptions {
  /** turn:/turns: URLs of the relay, as browsers and werift take them. */
  urls: readonly string[];
  /** The secret coturn has as static-auth-secret. */
  sharedSecret: string;
  /** Lifetime of a credential. It must outlast the act: TURN refreshes use the same username. */
  ttlSeconds: number;
}

export interface IssuedTurnServer {
  urls: string[];
  username: string;
  credential: string;
  /** When the TURN server starts refusing it (RFC 3339). */
  expiresAt: string;
}

/** What the username's subject may hold: the TURN server splits on ':' and logs it. */
const SUBJECT = /^[A-Za-z0-9._-]{1,96}$/;

export function issueTurnCredentials(o: TurnRestOptions, subject: string, nowMs: number): IssuedTurnServer {
  if (!SUBJECT.test(subject)) throw new Error(`TURN credential subject ${JSON.stringify(subject)}: letters, digits, '.', '_' and '-' only`);
  const expiry = Math.floor(nowMs / 1000) + Math.round(o.ttlSeconds);
  const username = `${expiry}:${subject}`;
  return {
    urls: [...o.urls],
    username,
    credential: createHmac('sha1', o.sharedSecret).update(username, 'utf8').digest('base64'),
    expiresAt: new Date(expiry * 1000).toISOString(),
  };
}
