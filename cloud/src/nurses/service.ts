import {
  type CartNurse,
  CartNurses,
  compile,
  formatIssues,
  NURSES_VERSION,
  NurseAudit,
  type NurseDown,
  NurseUp,
  parseTopic,
  topics,
} from '@telecart/protocol';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { connectCloudClient } from '../broker/connect-client.js';
import type { CloudStore } from '../store/cloud-store.js';
import { type NurseProfile, type NurseRecord, nurseWorksOn } from '../store/nurse-records.js';
import type { NurseConfig, SiteConfig } from '../teleconsult/config.js';
import { verifyPassword } from '../teleconsult/passwords.js';
import { decryptTotpSecret, TotpVerifier } from '../teleconsult/totp.js';

const checkUp = compile(NurseUp);
const checkAudit = compile(NurseAudit);
const checkList = compile(CartNurses);
/** A request larger than this is not a sign-in. */
const MAX_UP_BYTES = 4096;
/** Failed full sign-ins of one nurse before the next are refused for THROTTLE_MS. */
const MAX_FAILURES = 5;
const THROTTLE_MS = 15 * 60_000;

export interface NurseServiceOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  nurses: readonly NurseConfig[];
  sites: readonly SiteConfig[];
  /** The key of teleconsult.totpKeyFile, needed when a nurse has `totp`. */
  totpKey?: Buffer;
  /** teleconsult.requireTotp: a nurse without a second factor cannot do the full sign-in. */
  requireTotp: boolean;
  logger: Logger;
  now?: () => Date;
}

/** Expands a nurse's sites into gateway patterns, refusing a site that does not exist. */
export function nurseProfile(n: NurseConfig, sites: readonly SiteConfig[]): NurseProfile {
  const patterns = [...n.gateways];
  for (const id of n.sites) {
    const site = sites.find((s) => s.id === id);
    if (!site) throw new Error(`teleconsult.nurses ${n.id}: unknown site ${JSON.stringify(id)}`);
    patterns.push(...site.gateways);
  }
  return { accountId: n.id, name: n.name, badgeSha256: n.badgeSha256 ?? null, gateways: [...new Set(patterns)] };
}

export class NurseService {
  private readonly now: () => Date;
  private readonly byId = new Map<string, NurseConfig>();
  private readonly totpSecrets = new Map<string, string>();
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
    for (const n of o.nurses) {
      this.byId.set(n.id, n);
      if (n.totp === undefined) continue;
      if (!o.totpKey) throw new Error(`teleconsult.nurses ${n.id}: totp is set but teleconsult.totpKeyFile is not`);
      this.totpSecrets.set(n.id, decryptTotpSecret(n.totp, n.id, o.totpKey));
    }
  }

  /** Writes the configured nurses to the store, connects, publishes every known cart's list. */
  static async start(o: NurseServiceOptions): Promise<NurseService> {
    const profiles = o.nurses.map((n) => nurseProfile(n, o.sites));
    const ids = new Set<string>();
    for (const p of profiles) {
      if (ids.has(p.accountId)) throw new Error(`teleconsult.nurses: the id ${p.accountId} is used twice`);
      ids.add(p.accountId);
    }
    for (const p of profiles) await o.store.saveNurse(p);
    for (const n of await o.store.listNurses()) if (!ids.has(n.accountId)) await o.store.removeNurse(n.accountId);
    const client = await connectCloudClient({
      brokerUrl: o.brokerUrl,
      mqttOptions: o.mqttOptions,
      clientIdPrefix: 'telecart-nurses',
      logger: o.logger,
      what: 'nurses',
    });
    const service = new NurseService(o, client);
    client.on('message', (topic, payload) => service.onMessage(topic, payload));
    await client.subscribeAsync([topics.allNurseUp(), topics.allStatuses()], { qos: 1 });
    await service.publishAll();
    return service;
  }

  /** The nurse when allowed on this cart, else null: what a call, consent or assignment naming a nurse is checked against. */
  async allowedOn(nurseId: string, gatewayId: string): Promise<NurseRecord | null> {
    const n = await this.o.store.getNurse(nurseId);
    return n && nurseWorksOn(n, gatewayId) ? n : null;
  }

  /** Resolves once what was received so far is handled (tests, shutdown). */
  async flush(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.client.endAsync(true);
  }

  /** Every cart the cloud knows of or a nurse is configured on by name. */
  async publishAll(): Promise<void> {
    const carts = new Set((await this.o.store.listGateways()).map((g) => g.gatewayId));
    for (const n of await this.o.store.listNurses()) for (const p of n.gateways) if (!p.endsWith('*')) carts.add(p);
    for (const id of carts) await this.publish(id);
  }

  /** The list of one cart, built from the store, checked against the schema the gateway checks it with. */
  async listFor(gatewayId: string): Promise<CartNurses> {
    const nurses: CartNurse[] = (await this.o.store.listNurses())
      .filter((n) => nurseWorksOn(n, gatewayId))
      .map((n) => ({ id: n.accountId, name: n.name, badgeSha256: n.badgeSha256, pin: n.pin, pinSetAt: n.pinSetAt }));
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
    const job = work;
    this.running = this.running
      .then(job)
      .catch((e: unknown) => this.o.logger.error({ err: e, gatewayId: t.gatewayId }, 'nurses: a message could not be handled'));
  }

  private async audit(gatewayId: string, actor: string, action: string, detail: string | null): Promise<void> {
    await this.o.store.appendAudit({
      at: this.now().toISOString(),
      actor,
      actorRole: actor === gatewayId ? 'gateway' : 'nurse',
      action,
      gatewayId,
      detail,
    });
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
        actorRole: e.nurseId === null ? 'gateway' : 'nurse',
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
    const cfg = this.byId.get(up.nurseId);
    // Same cost whether the nurse exists or not.
    const passwordOk = await verifyPassword(up.password, cfg?.passwordHash);
    if (!cfg || !passwordOk) return refuse('credentials', true);
    const secret = this.totpSecrets.get(cfg.id);
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
    const record = await this.o.store.getNurse(cfg.id);
    for (const id of this.published) if (id !== gatewayId && record && nurseWorksOn(record, id)) await this.publish(id);
  }
}
