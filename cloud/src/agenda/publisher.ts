import { CartAgenda, type CartAgenda as CartAgendaMsg, compile, formatIssues, topics } from '@telecart/protocol';
import { report as reportTexts, textsIn } from '@telecart/ui';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { zonedMidnight } from '../activity/zoned-days.js';
import { localClock } from '../alerts/notify/plan.js';
import { connectCloudClient } from '../broker/connect-client.js';
import { cartLinkToken, DEFAULT_LINK_TTL_MS, issueReportLink, linkUrl, tokenSha256 } from '../report/links.js';
import type { AppointmentRecord } from '../store/appointment-records.js';
import { type CloudStore, MAX_PAGE_SIZE } from '../store/cloud-store.js';
import { buildCartAgenda } from './cart-agenda.js';

const checkAgenda = compile(CartAgenda);

/** How long after a change the cart's day is rebuilt: changes of one request land in one message. */
const COALESCE_MS = 50;
/** A cart's documents: the newest signed versions, at most this many per patient. */
const DOCUMENTS_PER_PATIENT = 20;
/** Carts built and published together: one query for their acts, their publications in flight at once. */
const CHUNK = 100;

export interface CartAgendaOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  /** The specialist's display name (the directory), null when unknown. */
  nameOf(specialistId: string): string | null;
  /** IANA zone of "the day" and of midnight. */
  timeZone: string;
  logger: Logger;
  now?: () => Date;
  /** Lifetime of a cart's document link (default 7 days). */
  linkTtlMs?: number;
  /**
   * The cloud's key the carts' link tokens are derived from (cartLinkToken): with it, a restart finds
   * each cart's stored link again and publishes the same URL; without it, tokens are random and a
   * restart issues new ones.
   */
  linkKey?: Buffer;
  /** Resolves when the relay's pending store writes landed (an act's status is read after it). */
  settled?: () => Promise<void>;
  /** Arms the midnight rebuild (tests fire it themselves); setTimeout otherwise. */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export interface AgendaMetrics {
  published: number;
  failures: number;
}

export class CartAgendaPublisher {
  private readonly now: () => Date;
  private readonly pending = new Set<string>();
  private readonly links = new Map<string, { url: string; expiresAt: string }>();
  private timer: NodeJS.Timeout | undefined;
  private midnight: { cancel(): void } | undefined;
  private running: Promise<void> = Promise.resolve();
  private baseUrl: string | undefined;
  private stopped = false;
  private readonly counts: AgendaMetrics = { published: 0, failures: 0 };
  private readonly title = textsIn(reportTexts, 'fr').title;

  private constructor(
    private readonly o: CartAgendaOptions,
    private readonly client: MqttClient,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  /** Connects; nothing is published before `begin` gives the links' origin. */
  static async connect(o: CartAgendaOptions): Promise<CartAgendaPublisher> {
    const client = await connectCloudClient({
      brokerUrl: o.brokerUrl,
      mqttOptions: o.mqttOptions,
      clientIdPrefix: 'telecart-agenda',
      logger: o.logger,
      what: 'agenda',
    });
    return new CartAgendaPublisher(o, client);
  }

  /** The origin the carts fetch documents from is known: every cart's day now, then at each local midnight. */
  async begin(baseUrl: string): Promise<void> {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    await this.refreshAll();
    this.armMidnight();
  }

  /** Something of this cart changed: its day is rebuilt shortly. */
  changed(gatewayId: string): void {
    if (this.stopped) return;
    this.pending.add(gatewayId);
    if (this.baseUrl === undefined || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue();
    }, COALESCE_MS);
  }

  /**
   * Every cart's day: the carts with an act today first (their nurses need the day), then the carts
   * seen and those with patients.
   */
  async refreshAll(): Promise<void> {
    const { store } = this.o;
    const { from, to } = this.dayBounds();
    const ids = new Set<string>();
    for (const a of await this.dayAppointments(from, to)) ids.add(a.gatewayId);
    for (const g of await store.listGateways()) ids.add(g.gatewayId);
    for (const p of await store.listPatients()) {
      if (p.source !== 'configured') continue;
      for (const g of await store.patientGateways(p.id)) ids.add(g);
    }
    for (const id of ids) this.pending.add(id);
    this.enqueue();
    await this.running;
  }

  /** Resolves once every change asked for so far is published (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.enqueue();
    }
    await this.running;
  }

  metrics(): AgendaMetrics {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.midnight?.cancel();
    // What is under way ends (published or logged); a broker already gone does not hold the stop.
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.client.endAsync(true);
  }

  /** One rebuild after the other; a failure is logged, never left unhandled. */
  private enqueue(): void {
    this.running = this.running
      .then(() => this.drain())
      .catch((e: unknown) => {
        this.counts.failures++;
        this.o.logger.error({ err: e }, 'agenda: the carts’ days could not be rebuilt');
      });
  }

  /**
   * Builds and publishes the days asked for, CHUNK carts at a time: the day's bounds once (each
   * costs new Intl formatters), the chunk's acts in one query, its publications in flight together.
   * At start every cart is asked for: ~0.3 ms of CPU each this way, against ~2 ms when each day
   * was built and published one after the other (10,000 carts; docs/benchmarks.md, "Fleet").
   */
  private async drain(): Promise<void> {
    if (this.baseUrl === undefined) return;
    await this.o.settled?.();
    const ids = [...this.pending];
    this.pending.clear();
    const bounds = this.dayBounds();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const acts = new Map<string, AppointmentRecord[]>();
      for (const a of await this.dayAppointments(bounds.from, bounds.to, chunk)) {
        const list = acts.get(a.gatewayId);
        if (list) list.push(a);
        else acts.set(a.gatewayId, [a]);
      }
      await Promise.all(
        chunk.map(async (id) => {
          try {
            await this.publish(await this.build(id, bounds, acts.get(id) ?? []));
            this.counts.published++;
          } catch (e) {
            this.counts.failures++;
            // The cart keeps the last day it got; the next change or midnight tries again.
            this.o.logger.error({ err: e, gatewayId: id }, 'agenda: the cart’s day could not be published');
          }
        }),
      );
    }
  }

  /** The acts of the day (of these carts), every page of them. */
  private async dayAppointments(from: Date, to: Date, gatewayIds?: readonly string[]): Promise<AppointmentRecord[]> {
    const all: AppointmentRecord[] = [];
    for (;;) {
      const page = await this.o.store.listAppointments({
        from,
        to,
        ...(gatewayIds ? { gatewayIds } : {}),
        limit: MAX_PAGE_SIZE,
        offset: all.length,
      });
      all.push(...page);
      if (page.length < MAX_PAGE_SIZE) return all;
    }
  }

  /** The cart's day at this instant, checked against the schema the gateway checks it with. */
  private async build(gatewayId: string, { day }: { day: string }, appointments: readonly AppointmentRecord[]): Promise<CartAgendaMsg> {
    const { store, timeZone } = this.o;
    const now = this.now();
    const served = await store.patientsServedBy(gatewayId);
    const documents: {
      localId: string;
      version: Awaited<ReturnType<CloudStore['listReports']>>[number];
      url: string;
      expiresAt: string;
    }[] = [];
    for (const [localId, patientId] of served) {
      const versions = await store.listReports({ patientId, currentOnly: true, limit: DOCUMENTS_PER_PATIENT });
      for (const version of versions) {
        const link = await this.linkFor(gatewayId, version.id, now);
        documents.push({ localId, version, ...link });
      }
    }
    const agenda = buildCartAgenda({
      gatewayId,
      at: now,
      day,
      timeZone,
      appointments,
      served,
      nameOf: this.o.nameOf,
      documents,
      title: this.title,
    });
    const v = checkAgenda.validate(agenda);
    if (!v.ok) throw new Error(`agenda for ${gatewayId} does not fit CartAgenda: ${formatIssues(v.issues)}`);
    return agenda;
  }

  private async linkFor(gatewayId: string, versionId: string, now: Date): Promise<{ url: string; expiresAt: string }> {
    const ttl = this.o.linkTtlMs ?? DEFAULT_LINK_TTL_MS;
    const key = `${gatewayId}\n${versionId}`;
    const fresh = (l: { expiresAt: string }) => Date.parse(l.expiresAt) - now.getTime() > ttl / 2;
    const known = this.links.get(key);
    if (known && fresh(known)) return known;
    const recipient = `cart ${gatewayId}`;
    const linkKey = this.o.linkKey;
    if (linkKey && !known) {
      // After a restart: the stored link's token is derived again from its row, so the cart's URL does not change.
      const stored = await this.o.store.latestReportLink(versionId, recipient);
      if (stored && fresh(stored)) {
        const token = cartLinkToken(linkKey, gatewayId, versionId, stored.createdAt);
        if (tokenSha256(token) === stored.tokenSha256) {
          const link = { url: linkUrl(this.baseUrl ?? '', token), expiresAt: stored.expiresAt };
          this.links.set(key, link);
          return link;
        }
      }
    }
    const issued = await issueReportLink({
      store: this.o.store,
      versionId,
      audience: 'cart',
      recipient,
      createdBy: 'cloud',
      publicBaseUrl: this.baseUrl ?? '',
      now,
      ttlMs: ttl,
      ...(linkKey ? { token: cartLinkToken(linkKey, gatewayId, versionId, now.toISOString()) } : {}),
    });
    const link = { url: issued.url, expiresAt: issued.expiresAt };
    this.links.set(key, link);
    return link;
  }

  private async publish(agenda: CartAgendaMsg): Promise<void> {
    await this.client.publishAsync(topics.agenda(agenda.gatewayId), JSON.stringify(agenda), { qos: 1, retain: true });
  }

  private dayBounds(): { day: string; from: Date; to: Date } {
    const day = localClock(this.now(), this.o.timeZone).date;
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const from = zonedMidnight(day, this.o.timeZone);
    return { day, from, to: new Date(zonedMidnight(next, this.o.timeZone).getTime() - 1) };
  }

  private armMidnight(): void {
    if (this.stopped) return;
    const ms = Math.max(1000, this.dayBounds().to.getTime() + 1 - this.now().getTime());
    const fire = () => {
      this.refreshAll()
        .catch((e: unknown) => this.o.logger.error({ err: e }, 'agenda: the midnight rebuild failed'))
        .finally(() => this.armMidnight());
    };
    this.midnight = (this.o.setTimer ?? unrefTimer)(fire, ms);
  }
}

function unrefTimer(fn: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}
