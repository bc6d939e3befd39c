import {
  BADGE_UID_PATTERN,
  badgeHash,
  type CartNurse,
  CartNurses,
  compile,
  formatIssues,
  NURSES_VERSION,
  NurseAudit,
  type NurseDown,
  NurseUp,
  parseTopic,
  pinProblem,
  pinVerifier,
  topics,
} from '@telecart/protocol';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Role } from '../auth/permissions.js';
import { connectCloudClient } from '../broker/connect-client.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { NurseRecord } from '../store/nurse-records.js';
import type { NurseConfig } from '../teleconsult/config.js';
import { verifyPassword } from '../teleconsult/passwords.js';
import type { Specialist, SpecialistDirectory } from '../teleconsult/specialists.js';
import { TotpVerifier } from '../teleconsult/totp.js';

/** A PIN or badge an administrator typed that cannot be used: the message says why (a 400). */
export class NurseCredentialsError extends Error {}

const checkUp = compile(NurseUp);
const checkAudit = compile(NurseAudit);
const checkList = compile(CartNurses);
/** A request larger than this is not a sign-in. */
const MAX_UP_BYTES = 4096;
/** Failed full sign-ins of one nurse before the next are refused for THROTTLE_MS. */
const MAX_FAILURES = 5;
const THROTTLE_MS = 15 * 60_000;

/** The roles whose accounts sign in on the carts (docs/nurse-sign-in.md). */
export const NURSE_ROLES: ReadonlySet<Role> = new Set<Role>(['ehpad-nurse', 'telemonitoring-nurse']);

/** The accounts the requests ask (teleconsult/specialists.ts): the administration's changes are there at once. */
export type NurseAccounts = Pick<SpecialistDirectory, 'all' | 'get' | 'config' | 'totpSecret' | 'maySee' | 'patternsFor'>;

export interface NurseServiceOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  /** Every account; those of a nurse role that are not disabled are the carts' nurses. */
  accounts: NurseAccounts;
  /** teleconsult.nurses: their accounts are seeded with the clinicians'; here only their badge is written at start. */
  nurses: readonly NurseConfig[];
  /** teleconsult.requireTotp: a nurse without a second factor cannot do the full sign-in. */
  requireTotp: boolean;
  logger: Logger;
  now?: () => Date;
}

/** What an administrator sets for a nurse: the PIN (only its verifier is kept) and the badge UID (only its hash). */
export interface NurseCredentialsInput {
  /** 4–6 digits, not weak (pinProblem); null removes the PIN (the nurse does a full sign-in again). */
  pin?: string | null;
  /** The UID as the reader sends it (hex); null removes the badge. */
  badgeUid?: string | null;
}

/** A nurse's credentials as the administration sees them: never the verifier nor the hash. */
export interface NurseCredentialsView {
  id: string;
  hasPin: boolean;
  pinSetAt: string | null;
  hasBadge: boolean;
  /** Gateway patterns of the carts the nurse works on (own and sites'). */
  carts: string[];
}

export class NurseService {
  private readonly now: () => Date;
  private readonly totp: TotpVerifier;
  private readonly failures = new Map<string, number[]>();
  /** Carts a list was published to since start (a cart coming online later gets its own). */
  private readonly published = new Set<string>();
  private running: Promise<void> = Promise.resolve();

  private constructor(
    private readonly o: NurseServiceOptions,
    private readonly client: MqttClient,
  ) {
    this.now = o.now ?? (() => new Date());
    this.totp = new TotpVerifier(() => this.now().getTime());
  }

  /** Writes the configured badges, connects, publishes every known cart's list. */
  static async start(o: NurseServiceOptions): Promise<NurseService> {
    const ids = new Set<string>();
    for (const n of o.nurses) {
      if (ids.has(n.id)) throw new Error(`teleconsult.nurses: the id ${n.id} is used twice`);
      ids.add(n.id);
    }
    const client = await connectCloudClient({
      brokerUrl: o.brokerUrl,
      mqttOptions: o.mqttOptions,
      clientIdPrefix: 'telecart-nurses',
      logger: o.logger,
      what: 'nurses',
    });
    const service = new NurseService(o, client);
    // The configuration wins for the badge it gives; one it does not give is left as the administration set it.
    for (const n of o.nurses) if (n.badgeSha256 !== undefined) await service.saveProfile(n.id, n.badgeSha256);
    await service.syncProfiles();
    client.on('message', (topic, payload) => service.onMessage(topic, payload));
    await client.subscribeAsync([topics.allNurseUp(), topics.allStatuses()], { qos: 1 });
    await service.publishAll();
    return service;
  }

  /** The account when it is an enabled nurse's, else null. */
  private nurseAccount(id: string): Specialist | null {
    const a = this.o.accounts.get(id);
    return a !== null && NURSE_ROLES.has(a.role) ? a : null;
  }

  /** Enabled nurse accounts, in the accounts' order. */
  private nurseAccounts(): Specialist[] {
    return this.o.accounts.all().filter((a) => NURSE_ROLES.has(a.role));
  }

  /** Keeps the credentials row's name and carts those of the account; the PIN is kept, the badge too unless given. */
  private async saveProfile(id: string, badgeSha256?: string | null): Promise<void> {
    const a = this.o.accounts.get(id);
    if (a === null) return;
    const old = await this.o.store.getNurse(id);
    await this.o.store.saveNurse({
      accountId: id,
      name: a.name,
      badgeSha256: badgeSha256 === undefined ? (old?.badgeSha256 ?? null) : badgeSha256,
      gateways: this.o.accounts.patternsFor(id),
    });
  }

  private async syncProfiles(): Promise<void> {
    for (const a of this.nurseAccounts()) await this.saveProfile(a.id);
  }

  /** The nurse when allowed on this cart, else null: what a call, consent or assignment naming a nurse is checked against. */
  async allowedOn(nurseId: string, gatewayId: string): Promise<NurseRecord | null> {
    const a = this.nurseAccount(nurseId);
    if (a === null || !this.o.accounts.maySee(a.id, gatewayId)) return null;
    const c = await this.o.store.getNurse(a.id);
    return {
      accountId: a.id,
      name: a.name,
      badgeSha256: c?.badgeSha256 ?? null,
      gateways: this.o.accounts.patternsFor(a.id),
      pin: c?.pin ?? null,
      pinSetAt: c?.pinSetAt ?? null,
    };
  }

  /**
   * The accounts changed (created, role, sites, disabled…): every cart's list is published again, after
   * what is under way. A disabled nurse leaves every list with this one publish. Not awaited by the
   * administration (a broker down must not hold its answer); the promise is for tests and errors are logged.
   */
  refresh(): Promise<void> {
    return this.enqueue(async () => {
      await this.syncProfiles();
      await this.publishAll();
    }).catch((e: unknown) => this.o.logger.error({ err: e }, "nurses: the carts' lists could not be republished"));
  }

  /** The administration's view of nurses' credentials (the ids asked, when they are nurses). */
  async credentials(ids: readonly string[]): Promise<NurseCredentialsView[]> {
    const stored = new Map((await this.o.store.listNurses()).map((n) => [n.accountId, n]));
    return ids.flatMap((id) => {
      if (this.o.accounts.config(id) === undefined) return [];
      const c = stored.get(id);
      return [
        {
          id,
          hasPin: c?.pin != null,
          pinSetAt: c?.pinSetAt ?? null,
          hasBadge: c?.badgeSha256 != null,
          carts: this.o.accounts.patternsFor(id),
        },
      ];
    });
  }

  /**
   * Sets a nurse's PIN and/or badge as an administrator typed them (the caller checked the account is a
   * nurse's it manages). The PIN becomes its scrypt verifier here, the UID its SHA-256; neither is kept.
   * Throws with the reason for a weak PIN or a UID that is not one. Her carts get their new list.
   */
  async setCredentials(id: string, input: NurseCredentialsInput): Promise<void> {
    if (input.pin != null) {
      const problem = pinProblem(input.pin);
      if (problem !== null) throw new NurseCredentialsError(problem);
    }
    if (input.badgeUid != null && !new RegExp(BADGE_UID_PATTERN).test(input.badgeUid.trim()))
      throw new NurseCredentialsError('a badge UID is 8, 14 or 20 hexadecimal characters, as the reader sends it');
    const verifier = input.pin == null ? null : await pinVerifier(input.pin);
    await this.enqueue(async () => {
      await this.saveProfile(id, input.badgeUid === undefined ? undefined : input.badgeUid === null ? null : badgeHash(input.badgeUid));
      if (input.pin !== undefined) await this.o.store.setNursePin(id, verifier, this.now());
    });
    void this.refresh();
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const done = this.running.then(job);
    this.running = done.catch(() => undefined);
    return done;
  }

  /** Resolves once what was received so far is handled (tests, shutdown). */
  async flush(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.client.endAsync(true);
  }

  /** Every cart the cloud knows of, was published to, or a nurse works on by name. */
  async publishAll(): Promise<void> {
    const carts = new Set([...(await this.o.store.listGateways()).map((g) => g.gatewayId), ...this.published]);
    for (const a of this.nurseAccounts()) for (const p of this.o.accounts.patternsFor(a.id)) if (!p.endsWith('*')) carts.add(p);
    for (const id of carts) await this.publish(id);
  }

  /** The list of one cart: its enabled nurse accounts with their credentials, checked against the schema the gateway checks it with. */
  async listFor(gatewayId: string): Promise<CartNurses> {
    const stored = new Map((await this.o.store.listNurses()).map((n) => [n.accountId, n]));
    const nurses: CartNurse[] = this.nurseAccounts()
      .filter((a) => this.o.accounts.maySee(a.id, gatewayId))
      .map((a) => {
        const c = stored.get(a.id);
        return { id: a.id, name: a.name, badgeSha256: c?.badgeSha256 ?? null, pin: c?.pin ?? null, pinSetAt: c?.pinSetAt ?? null };
      });
    const list: CartNurses = { v: NURSES_VERSION, gatewayId, at: this.now().toISOString(), nurses };
    const v = checkList.validate(list);
    if (!v.ok) throw new Error(`nurse list for ${gatewayId} does not fit CartNurses: ${formatIssues(v.issues)}`);
    return list;
  }

  private async publish(gatewayId: string): Promise<void> {
    const list = await this.listFor(gatewayId);
    await this.client.publishAsync(topics.nurses(gatewayId), JSON.stringify(list), { qos: 1, retain: true });
    this.published.add(gatewayId);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (t === null) return;
    let work: (() => Promise<void>) | undefined;
    if (t.kind === 'status' && !this.published.has(t.gatewayId)) work = () => this.publish(t.gatewayId);
    else if (t.kind === 'nurse-up') work = () => this.signIn(t.gatewayId, payload);
    if (!work) return;
    this.enqueue(work).catch((e: unknown) =>
      this.o.logger.error({ err: e, gatewayId: t.gatewayId }, 'nurses: a message could not be handled'),
    );
  }

  private async audit(gatewayId: string, actor: string, action: string, detail: string | null): Promise<void> {
    await this.o.store.appendAudit({
      at: this.now().toISOString(),
      actor,
      actorRole: actor === gatewayId ? 'gateway' : this.roleOf(actor),
      action,
      gatewayId,
      detail,
    });
  }

  /** The nurse account's own role for the audit; `nurse` for an id no account has. */
  private roleOf(id: string): Role | 'nurse' {
    return this.o.accounts.config(id)?.role ?? 'nurse';
  }

  private async answer(gatewayId: string, down: NurseDown): Promise<void> {
    await this.client.publishAsync(topics.nurseDown(gatewayId), JSON.stringify(down), { qos: 1 });
  }

  /** The cart's own sign-in attempts (PIN, badge, sign-out), as it recorded them (queued while offline). */
  private async cartAudit(gatewayId: string, json: unknown): Promise<void> {
    const v = checkAudit.validate(json);
    if (!v.ok) {
      const why = formatIssues(v.issues).slice(0, 300);
      this.o.logger.warn({ gatewayId, why }, 'nurses: a cart audit batch was refused');
      await this.audit(gatewayId, gatewayId, 'nurse-sign-in-refused', `audit batch refused: ${why}`);
      return;
    }
    for (const e of v.value.events)
      await this.o.store.appendAudit({
        at: e.at,
        actor: e.nurseId ?? gatewayId,
        actorRole: e.nurseId === null ? 'gateway' : this.roleOf(e.nurseId),
        action: e.action,
        gatewayId,
        detail: e.detail === null ? 'on the cart' : `on the cart: ${e.detail}`,
      });
  }

  private throttled(nurseId: string, nowMs: number): boolean {
    const recent = (this.failures.get(nurseId) ?? []).filter((t) => nowMs - t < THROTTLE_MS);
    this.failures.set(nurseId, recent);
    return recent.length >= MAX_FAILURES;
  }

  private async signIn(gatewayId: string, payload: Buffer): Promise<void> {
    let json: unknown;
    try {
      json = payload.length > MAX_UP_BYTES ? undefined : JSON.parse(payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    if (typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'audit') return this.cartAudit(gatewayId, json);
    const v = json === undefined ? null : checkUp.validate(json);
    if (v === null || !v.ok) {
      const why = v === null ? `not JSON or over ${MAX_UP_BYTES} bytes` : formatIssues(v.issues).slice(0, 300);
      this.o.logger.warn({ gatewayId, why }, 'nurses: a full sign-in request was refused');
      await this.audit(gatewayId, gatewayId, 'nurse-sign-in-refused', `request refused: ${why}`);
      return;
    }
    const up = v.value;
    const refuse = async (reason: Exclude<NurseDown['reason'], null>, failed: boolean) => {
      if (failed) this.failures.set(up.nurseId, [...(this.failures.get(up.nurseId) ?? []), this.now().getTime()]);
      await this.audit(gatewayId, up.nurseId, 'nurse-full-sign-in-failed', reason);
      await this.answer(gatewayId, {
        v: NURSES_VERSION,
        type: 'full-sign-in-result',
        requestId: up.requestId,
        ok: false,
        reason,
        nurse: null,
      });
    };
    if (this.throttled(up.nurseId, this.now().getTime())) return refuse('throttled', false);
    // A disabled account or one of another role is no nurse; same cost whether the nurse exists or not.
    const cfg = this.nurseAccount(up.nurseId);
    const passwordOk = await verifyPassword(up.password, cfg ? this.o.accounts.config(cfg.id)?.passwordHash : undefined);
    if (!cfg || !passwordOk) return refuse('credentials', true);
    const secret = this.o.accounts.totpSecret(cfg.id);
    if (secret === undefined && this.o.requireTotp) return refuse('totp-required', false);
    if (secret !== undefined) {
      if (up.totp === undefined) return refuse('totp-required', false);
      if (!this.totp.verify(cfg.id, secret, up.totp)) return refuse('credentials', true);
    }
    if ((await this.allowedOn(cfg.id, gatewayId)) === null) return refuse('not-on-this-cart', false);
    const at = this.now();
    await this.o.store.setNursePin(cfg.id, up.pin, at);
    this.failures.delete(cfg.id);
    await this.audit(gatewayId, cfg.id, 'nurse-full-sign-in', 'PIN chosen on this cart');
    const list = await this.listFor(gatewayId);
    const nurse = list.nurses.find((n) => n.id === cfg.id) ?? null;
    // The cart first gets its new list, then the answer: a PIN sign-in right after finds the verifier.
    await this.publish(gatewayId);
    await this.answer(gatewayId, {
      v: NURSES_VERSION,
      type: 'full-sign-in-result',
      requestId: up.requestId,
      ok: true,
      reason: null,
      nurse,
    });
    // The nurse's other carts learn the new PIN too.
    for (const id of this.published) if (id !== gatewayId && this.o.accounts.maySee(cfg.id, id)) await this.publish(id);
  }
}
