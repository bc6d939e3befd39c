/**
 * Pieces of the teleconsultation tests: a cloud with specialists, a cart speaking the rtc/up and
 * rtc/down topics over a real MQTT client (TestGateway-style), logins and WebSockets as a page would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, type StartCloudOptions, startCloud } from '@telecart/cloud';
import { compile, formatIssues, RtcDown, type RtcUp, topics } from '@telecart/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import WebSocket from 'ws';

export const PASSWORDS = {
  'dr-roux': 'cardio-2026!',
  'dr-blanc': 'geria-2026!',
  auditor: 'audit-2026!',
  'admin-sites': 'admin-2026!',
} as const;

export interface ConsultCloud {
  cloud: Cloud;
  dir: string;
  stop(): Promise<void>;
}

/** The cloud (embedded broker, SQLite or the given db) with four accounts: dr-roux on cart-*, dr-blanc on home-*, an auditor, a site administrator of every cart. */
export async function startConsultCloud(extra: Partial<StartCloudOptions> = {}): Promise<ConsultCloud> {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-consult-'));
  const cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: process.env.TELECART_TEST_LOG ?? 'silent' }),
    // Served by every cart these tests connect (the waiting room shows only a patient the calling cart is assigned).
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: '238016912304522',
        gateways: ['cart-1', 'cart-2', 'cart-3', 'cart-a', 'cart-b', 'home-1', 'home-3', 'home-7'],
      },
    ],
    ...extra,
    teleconsult: {
      specialists: [
        { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
        { id: 'dr-blanc', name: 'Dr Marc Blanc', passwordHash: await hashPassword(PASSWORDS['dr-blanc'], 10), sites: ['home'] },
        { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
        // Manages the patient directory of every site (docs/roles.md: patients.manage), reads no vitals.
        {
          id: 'admin-sites',
          name: 'Site administration',
          role: 'site-admin',
          passwordHash: await hashPassword(PASSWORDS['admin-sites'], 10),
          gateways: ['*'],
        },
      ],
      sites: [{ id: 'home', name: 'Home kits', gateways: ['home-*'] }],
      ...extra.teleconsult,
    },
  });
  return {
    cloud,
    dir,
    async stop() {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const checkDown = compile(RtcDown);

/** A cart's signaling side: publishes RtcUp, collects (validated) RtcDown. */
export class TestCart {
  readonly down: RtcDown[] = [];
  private waiters: { match: (m: RtcDown) => boolean; resolve: (m: RtcDown) => void }[] = [];

  private constructor(
    readonly gatewayId: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (_t, payload) => {
      const v = checkDown.validate(JSON.parse(payload.toString()));
      if (!v.ok) throw new Error(`cloud sent an invalid RtcDown: ${formatIssues(v.issues)}`);
      this.down.push(v.value);
      for (const w of this.waiters.filter((x) => x.match(v.value))) w.resolve(v.value);
      this.waiters = this.waiters.filter((x) => !x.match(v.value));
    });
  }

  static async connect(url: string, gatewayId: string, options: IClientOptions = {}): Promise<TestCart> {
    const client = await mqtt.connectAsync(url, { clientId: gatewayId, reconnectPeriod: 0, ...options });
    const cart = new TestCart(gatewayId, client);
    await client.subscribeAsync(topics.rtcDown(gatewayId), { qos: 1 });
    return cart;
  }

  /** The first RtcDown (already received or to come) matching. */
  next<T extends RtcDown['type']>(
    type: T,
    match: (m: Extract<RtcDown, { type: T }>) => boolean = () => true,
  ): Promise<Extract<RtcDown, { type: T }>> {
    const m = (x: RtcDown): boolean => x.type === type && match(x as Extract<RtcDown, { type: T }>);
    const have = this.down.find(m);
    if (have) return Promise.resolve(have as Extract<RtcDown, { type: T }>);
    return new Promise((resolve) => this.waiters.push({ match: m, resolve: resolve as (x: RtcDown) => void }));
  }

  /** The last `session` message received for this act (what the nurse's screen shows now). */
  lastSession(sessionId: string): Extract<RtcDown, { type: 'session' }> | undefined {
    return this.down.findLast((m): m is Extract<RtcDown, { type: 'session' }> => m.type === 'session' && m.sessionId === sessionId);
  }

  status(sessionId: string, status: string): Promise<RtcDown> {
    return this.next('session', (m) => m.sessionId === sessionId && m.status === status);
  }

  async send(msg: RtcUp | Record<string, unknown> | string, gatewayId = this.gatewayId): Promise<void> {
    await this.client.publishAsync(topics.rtcUp(gatewayId), typeof msg === 'string' ? msg : JSON.stringify(msg), { qos: 1 });
  }

  /** A call with the patient's oral consent unless `extra.consent` says otherwise (`consent: undefined`: none, as an older gateway). */
  call(sessionId: string, patientId = 'p-001', extra: Partial<Extract<RtcUp, { type: 'call' }>> = {}): Promise<void> {
    const consent = { by: 'patient', method: 'oral', collectedAt: new Date().toISOString() } as const;
    return this.send({ v: 1, type: 'call', sessionId, patient: { id: patientId }, consent, ...extra });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/** The consent a nurse's POST /api/teleconsult/call carries (the patient's, given orally). */
export const PATIENT_CONSENT = { by: 'patient', method: 'oral' } as const;

/** Logs in as a page would; returns the Cookie header value. */
export async function login(httpUrl: string, id: string, password: string): Promise<string> {
  const r = await fetch(`${httpUrl}/api/specialist/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, password }),
  });
  if (r.status !== 200) throw new Error(`login ${id}: HTTP ${r.status}`);
  const cookie = r.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

/** Books a home act on home-7 with dr-blanc, `minutesAhead` from now (a cookie allowed to book); returns its id. */
export async function bookHomeAppointment(httpUrl: string, cookie: string, minutesAhead: number, patient = 'p-home'): Promise<string> {
  const r = await fetch(`${httpUrl}/api/appointments`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({
      patient,
      gateway: 'home-7',
      start: new Date(Date.now() + minutesAhead * 60_000).toISOString(),
      minutes: 20,
      specialist: 'dr-blanc',
    }),
  });
  if (r.status !== 201) throw new Error(`booking a home act: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { appointment: { id: string } }).appointment.id;
}

export type Json = Record<string, unknown> & { type: string };

/** The page's WebSocket, with a queue of what the cloud sent. */
export class PageSocket {
  readonly received: Json[] = [];
  private waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Json;
      this.received.push(m);
      for (const w of this.waiters.filter((x) => x.match(m))) w.resolve(m);
      this.waiters = this.waiters.filter((x) => !x.match(m));
    });
  }

  static open(httpUrl: string, cookie: string, origin = httpUrl): Promise<PageSocket> {
    const ws = new WebSocket(`${httpUrl.replace('http', 'ws')}/consult/ws`, { headers: { cookie, origin } });
    return new Promise((resolve, reject) => {
      const page = new PageSocket(ws);
      ws.once('open', () => resolve(page));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The first message (received since `from`, default: ever) matching. */
  next(match: (m: Json) => boolean, from = 0): Promise<Json> {
    const have = this.received.slice(from).find(match);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** The waiting room as last received (sessions by id → status). */
export function room(page: PageSocket): Record<string, string> {
  const last = [...page.received].reverse().find((m) => m.type === 'waiting-room') as
    | { sessions: { sessionId: string; status: string }[] }
    | undefined;
  return Object.fromEntries((last?.sessions ?? []).map((s) => [s.sessionId, s.status]));
}
