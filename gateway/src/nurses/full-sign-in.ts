/**
 * A nurse's first full sign-in on this cart, forwarded to the cloud over the gateway's own MQTT
 * connection (mutual TLS, the enrolled identity): NurseUp on telecart/v1/gw/{id}/nurse/up, the
 * answer NurseDown on …/nurse/down, matched by requestId. MQTT rather than HTTPS: it is the one
 * authenticated channel the cart already holds (the broker ACL names the cart), it needs no
 * second client certificate path through a reverse proxy, and the answer and the new nurse list
 * arrive on the same connection, in order.
 *
 * The PIN never leaves the cart: its verifier is derived here and sent with the credentials.
 */
import { randomBytes } from 'node:crypto';
import {
  compile,
  formatIssues,
  NURSES_VERSION,
  type NurseDown,
  NurseDown as NurseDownSchema,
  type NurseUp,
  NurseUp as NurseUpSchema,
  topics,
} from '@telecart/protocol';
import type { Logger } from '../logger.js';
import type { SyncClient } from '../sync/sync-client.js';
import { pinVerifier } from './pin.js';

const checkDown = compile(NurseDownSchema);
const checkUp = compile(NurseUpSchema);
const ANSWER_TIMEOUT_MS = 15_000;

export class CloudUnreachable extends Error {}

export class FullSignIn {
  private readonly waiting = new Map<string, (d: NurseDown) => void>();

  constructor(private readonly o: { gatewayId: string; sync: Pick<SyncClient, 'route' | 'publishOther' | 'connected'>; logger: Logger }) {
    o.sync.route(topics.nurseDown(o.gatewayId), (payload) => this.receive(payload));
  }

  /** Sends the credentials and the PIN's verifier; the cloud's answer. Throws CloudUnreachable when offline or silent. */
  async request(r: { nurseId: string; password: string; totp?: string; pin: string }): Promise<NurseDown> {
    if (!this.o.sync.connected) throw new CloudUnreachable('the cart is offline: a first sign-in needs the cloud');
    const up: NurseUp = {
      v: NURSES_VERSION,
      type: 'full-sign-in',
      requestId: randomBytes(12).toString('base64url'),
      nurseId: r.nurseId,
      password: r.password,
      ...(r.totp !== undefined ? { totp: r.totp } : {}),
      pin: await pinVerifier(r.pin),
    };
    const v = checkUp.validate(up);
    if (!v.ok) throw new Error(`NurseUp does not match the contract: ${formatIssues(v.issues)}`);
    const answer = new Promise<NurseDown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(up.requestId);
        reject(new CloudUnreachable(`the cloud did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`));
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(up.requestId, (d) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
    try {
      await this.o.sync.publishOther(topics.nurseUp(this.o.gatewayId), JSON.stringify(up));
    } catch (e) {
      this.waiting.get(up.requestId)?.({
        v: NURSES_VERSION,
        type: 'full-sign-in-result',
        requestId: up.requestId,
        ok: false,
        reason: null,
        nurse: null,
      });
      this.waiting.delete(up.requestId);
      throw new CloudUnreachable(`the request could not be sent: ${(e as Error).message}`);
    }
    return answer;
  }

  private receive(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.o.logger.warn({}, 'nurses: a sign-in answer from the cloud is not JSON; ignored');
      return;
    }
    const v = checkDown.validate(json);
    if (!v.ok) {
      this.o.logger.warn({ detail: formatIssues(v.issues).slice(0, 300) }, 'nurses: a sign-in answer does not fit NurseDown; ignored');
      return;
    }
    const done = this.waiting.get(v.value.requestId);
    this.waiting.delete(v.value.requestId);
    done?.(v.value);
  }
}
