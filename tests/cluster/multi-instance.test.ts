/**
 * Two cloud instances (the built CLI, child processes) on one PostgreSQL and one Mosquitto, behind
 * nginx on a loopback port (WebSocket upgrade proxied, round robin): a sign-in through the balancer
 * works on both; a sign-out everywhere on one is refused on the other; a cart's call is answered by
 * exactly one instance (one act row, one `call` line); the specialist's page joins through the
 * balancer whatever instance it lands on; the owner SIGKILLed mid-act → the other takes the act over
 * once its lease lapses and the page rejoins; the new owner SIGTERMed → the act goes on, on the first
 * one started again. Signaling level, as the restart tests (relay-restart.test.ts). A guest whose socket is
 * on the instance that does not hold the act is relayed to the owner (participant-relay.ts): admitted by the
 * page there, told `unit-ready`; the owner SIGKILLed, the survivor takes the act over, closes the guest's
 * socket (1012: the act moved), and the guest connecting again is let in at once into the survivor's room
 * (its unit offer answered).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@telecart/cloud';
import { encodePayload, topics } from '@telecart/protocol';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { type Postgres, startPostgres } from '../../cloud/src/testing/postgres.js';
import { unitPagePeer } from '../../cloud/src/testing/unit-page-peer.js';
import { CLI_MAIN, freshDatabase } from '../support/cloud-child.js';
import { type ServiceChild, startServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';
import { participantSocket } from '../teleconsult/participant-support.js';
import { type Json, login, PASSWORDS, PageSocket, TestCart } from '../teleconsult/support.js';

const CART = 'cart-1';
const LEASE_SECONDS = 6;

let postgres: Postgres | undefined;
let mosquitto: Mosquitto | undefined;
let nginx: ChildProcess | undefined;
let dir: string | undefined;
const clouds: (ServiceChild | undefined)[] = [];
const pages: PageSocket[] = [];
const closing: (() => unknown)[] = [];
let cart: TestCart | undefined;

beforeAll(async () => {
  postgres = await startPostgres();
  mosquitto = await startMosquitto();
}, 90_000);

afterAll(async () => {
  for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
  for (const p of pages) await p.close().catch(() => undefined);
  cart?.client.end(true);
  for (const c of clouds) await c?.stop().catch(() => undefined);
  if (nginx && nginx.exitCode === null) {
    const n = nginx;
    await new Promise((r) => {
      n.once('exit', r);
      n.kill('SIGQUIT');
    });
  }
  await mosquitto?.stop();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** nginx in front of the instances' HTTP ports: round robin, WebSocket upgrade passed on. */
async function startNginx(d: string, port: number, upstreams: number[]): Promise<ChildProcess> {
  const conf = join(d, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${join(d, 'nginx.pid')};
error_log ${join(d, 'nginx-error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(d, 'nginx-body')};
  proxy_temp_path ${join(d, 'nginx-proxy')};
  fastcgi_temp_path ${join(d, 'nginx-fastcgi')};
  uwsgi_temp_path ${join(d, 'nginx-uwsgi')};
  scgi_temp_path ${join(d, 'nginx-scgi')};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream cloud { ${upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://cloud;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_read_timeout 300s;
      proxy_next_upstream error timeout;
    }
  }
}
`,
  );
  const p = spawn('/usr/sbin/nginx', ['-p', d, '-c', conf, '-e', join(d, 'nginx-error.log')], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/api/metrics/teleconsult`).catch(() => null))?.status === 200, {
    what: 'nginx answering',
  });
  return p;
}

function startInstance(d: string, i: number, http: number): Promise<ServiceChild> {
  return startServiceChild(
    `cloud-${i}`,
    ['cloud', '--config', join(d, 'cloud.json'), '--data-dir', join(d, `cloud-${i}`), '--http-port', String(http)],
    { main: CLI_MAIN, logFile: join(d, `cloud-${i}.log`), env: { TELECART_LOG_LEVEL: 'info' } },
  );
}

async function activeSessions(url: string): Promise<number> {
  const r = await fetch(`${url}/api/metrics/teleconsult`);
  return ((await r.json()) as { activeSessions: number }).activeSessions;
}

it('two instances behind nginx: one answers a call, the page joins through the balancer, the act survives a SIGKILL and a SIGTERM', {
  timeout: 240_000,
}, async () => {
  const d = mkdtempSync(join(tmpdir(), 'telecart-multi-'));
  dir = d;
  const db = await freshDatabase((postgres as Postgres).url, 'multi_instance');
  writeFileSync(
    join(d, 'cloud.json'),
    JSON.stringify({
      db,
      externalBrokerUrl: (mosquitto as Mosquitto).url,
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: [CART] }],
      teleconsult: {
        rejoinGraceSeconds: 120,
        connectTimeoutSeconds: 60,
        leaseSeconds: LEASE_SECONDS,
        forwardingUnit: { hostAddresses: ['127.0.0.1'] },
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
          { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
        ],
      },
    }),
  );
  const ports = [await freePort(), await freePort()];
  // One after the other: the first runs the migrations.
  clouds[0] = await startInstance(d, 0, ports[0] as number);
  clouds[1] = await startInstance(d, 1, ports[1] as number);
  const direct = ports.map((p) => `http://127.0.0.1:${p}`);
  const lbPort = await freePort();
  nginx = await startNginx(d, lbPort, ports as number[]);
  const lb = `http://127.0.0.1:${lbPort}`;

  // A sign-in through the balancer works on both instances; a sign-out everywhere on one counts on the other.
  const cookie = await login(lb, 'dr-roux', PASSWORDS['dr-roux']);
  for (const u of direct) expect((await fetch(`${u}/api/specialist/me`, { headers: { cookie } })).status).toBe(200);
  const other = await login(lb, 'dr-roux', PASSWORDS['dr-roux']);
  expect((await fetch(`${direct[0]}/api/specialist/logout-everywhere`, { method: 'POST', headers: { cookie: other } })).status).toBe(204);
  expect((await fetch(`${direct[1]}/api/specialist/me`, { headers: { cookie: other } })).status).toBe(401);
  expect((await fetch(`${direct[1]}/api/specialist/me`, { headers: { cookie } })).status).toBe(401);
  const dr = await login(lb, 'dr-roux', PASSWORDS['dr-roux']);
  const auditor = await login(lb, 'auditor', PASSWORDS.auditor);

  // The cart calls: both instances hear it, exactly one answers.
  cart = await TestCart.connect((mosquitto as Mosquitto).url, CART);
  const status = { v: 1, gatewayId: CART, online: true, at: new Date().toISOString() };
  await cart.client.publishAsync(topics.status(CART), encodePayload(status), { qos: 1, retain: true });
  const sid = randomUUID();
  await cart.call(sid);
  await cart.status(sid, 'waiting');
  const acts = async () => {
    const r = await fetch(`${lb}/api/teleconsultations?gateway=${CART}`, { headers: { cookie: dr } });
    // While the one instance left is starting, the balancer answers 502 with its own page: no acts yet.
    if (r.status === 502) return [];
    return ((await r.json()) as { teleconsultations: { sessionId: string; status: string; outcome: string | null }[] }).teleconsultations;
  };
  const audit = async () => {
    const r = await fetch(`${lb}/api/audit?session=${sid}`, { headers: { cookie: auditor } });
    return ((await r.json()) as { events: { action: string; detail: string | null }[] }).events;
  };
  await waitFor(async () => (await acts()).length === 1, { what: 'the act in the store' });
  // Time for a second answer to show, if there were one.
  await new Promise((r) => setTimeout(r, 1000));
  expect((await acts()).length).toBe(1);
  expect((await audit()).filter((e) => e.action === 'call')).toHaveLength(1);
  expect(cart.down.filter((m) => m.type === 'session' && m.sessionId === sid && m.status === 'waiting')).toHaveLength(1);
  const counts = await Promise.all(direct.map(activeSessions));
  expect(counts.sort()).toEqual([0, 1]);

  // Pages through the balancer (round robin: two pages, one on each instance) both show the act; one joins.
  const inRoom = (p: PageSocket, match: (s: Json) => boolean) =>
    p.next((m) => m.type === 'waiting-room' && (m.sessions as Json[]).some((s) => s.sessionId === sid && match(s)));
  const p1 = await PageSocket.open(lb, dr);
  const p2 = await PageSocket.open(lb, dr);
  pages.push(p1, p2);
  await Promise.all([inRoom(p1, (s) => s.status === 'waiting'), inRoom(p2, (s) => s.status === 'waiting')]);
  p2.send({ type: 'join', sessionId: sid });
  await cart.next('start', (m) => m.sessionId === sid);
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
  await p2.next((m) => m.type === 'state' && m.sessionId === sid && m.state === 'connected');
  await waitFor(async () => (await acts())[0]?.status === 'in-progress', { what: 'the act in progress in the store' });

  // The owner (the instance where the act lives now) is SIGKILLed.
  await waitFor(async () => (await Promise.all(direct.map(activeSessions))).reduce((a, b) => a + b, 0) === 1, {
    what: 'one instance holding the act',
  });
  const owner = (await activeSessions(direct[0] as string)) === 1 ? 0 : 1;
  const survivor = 1 - owner;

  // A guest invited; their socket on the instance that does not hold the act: relayed to the owner, where p2 admits them.
  const invited = await fetch(`${lb}/api/teleconsult/acts/${sid}/guests`, {
    method: 'POST',
    headers: { cookie: dr, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Dr Petit, médecin traitant' }),
  });
  expect(invited.status).toBe(201);
  const link = new URL(((await invited.json()) as { url: string }).url);
  const opened = await fetch(new URL(`${link.pathname}${link.search}`, direct[survivor]));
  expect(opened.status).toBe(200);
  const device = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const guestOn = async (i: number) => {
    const s = await participantSocket(direct[i] as string, link, device);
    if (typeof s === 'number') throw new Error(`guest socket refused: ${s}`);
    closing.push(() => s.ws.close());
    return s;
  };
  const guest = await guestOn(survivor);
  await guest.next((m) => m.type === 'waiting');
  const listed = await p2.next((m) => m.type === 'participants' && m.sessionId === sid && (m.participants as Json[]).length === 1);
  p2.send({ type: 'admit', sessionId: sid, participantId: ((listed.participants as Json[])[0] as Json).id });
  await guest.next((m) => m.type === 'unit-ready');
  // The admission stored (act_links.admitted_at) before the crash: it is what lets the guest in again at once.
  const admin = new pg.Client({ connectionString: db });
  await admin.connect();
  closing.push(() => admin.end());
  await waitFor(async () => (await admin.query('SELECT 1 FROM act_links WHERE admitted_at IS NOT NULL')).rowCount === 1, {
    what: 'the admission stored',
  });
  const starts = cart.down.filter((m) => m.type === 'start').length;
  await clouds[owner]?.kill('SIGKILL');
  clouds[owner] = undefined;
  for (const p of pages.splice(0)) await p.close();
  // The other takes it over once the lease lapses, the cart hears reconnecting, the page rejoins through the balancer.
  await waitFor(async () => (await activeSessions(direct[survivor] as string)) === 1, {
    what: 'the act taken over',
    timeoutMs: (LEASE_SECONDS + 10) * 1000,
  });
  await cart.next('session', (m) => m.sessionId === sid && m.status === 'in-progress' && m.specialistLink === 'reconnecting');
  const p3 = await PageSocket.open(lb, dr);
  pages.push(p3);
  await inRoom(p3, (s) => s.status === 'in-progress' && s.rejoin === true);
  p3.send({ type: 'join', sessionId: sid });
  await p3.next((m) => m.type === 'joined' && m.sessionId === sid);
  await waitFor(() => cart?.down.filter((m) => m.type === 'start').length === starts + 1, { what: 'a fresh start to the cart' });
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connecting' });
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
  await p3.next((m) => m.type === 'state' && m.sessionId === sid && m.state === 'connected');
  // The relayed guest: their socket closed by the survivor once it held the act, back in its room at once.
  expect(await guest.closed).toBe(1012);
  const back = await guestOn(survivor);
  await back.next((m) => m.type === 'admitted');
  expect(back.got.some((m) => m.type === 'waiting')).toBe(false);
  await back.next((m) => m.type === 'unit-ready');
  const gp = await unitPagePeer(3);
  closing.push(() => gp.pc.close());
  back.send({ type: 'unit-offer', sdp: gp.offer });
  expect(String((await back.next((m) => m.type === 'unit-answer')).sdp)).toMatch(/^v=0/);
  back.ws.close();

  // The first instance back; the new owner SIGTERMed (a rolling restart): the act goes on over there.
  clouds[owner] = await startInstance(d, owner, ports[owner] as number);
  await clouds[survivor]?.kill('SIGTERM');
  clouds[survivor] = undefined;
  for (const p of pages.splice(0)) await p.close();
  await waitFor(async () => (await activeSessions(direct[owner] as string)) === 1, {
    what: 'the act taken back after the planned stop',
    timeoutMs: (LEASE_SECONDS + 10) * 1000,
  });
  const p4 = await PageSocket.open(lb, dr);
  pages.push(p4);
  await inRoom(p4, (s) => s.status === 'in-progress' && s.rejoin === true);
  p4.send({ type: 'join', sessionId: sid });
  await p4.next((m) => m.type === 'joined' && m.sessionId === sid);
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connecting' });
  await cart.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' });
  await p4.next((m) => m.type === 'state' && m.sessionId === sid && m.state === 'connected');
  p4.send({ type: 'hangup', sessionId: sid });
  await cart.status(sid, 'completed');
  await waitFor(async () => (await acts())[0]?.status === 'completed', { what: 'the end in the store' });
  expect(await acts()).toEqual([expect.objectContaining({ sessionId: sid, status: 'completed', outcome: 'hangup-specialist' })]);
  const actions = (await audit()).map((e) => e.action);
  expect(actions.filter((a) => a === 'call')).toHaveLength(1);
  expect(actions.filter((a) => a === 'end')).toHaveLength(1);
  expect(actions).toEqual(expect.arrayContaining(['restart', 'stop', 'rejoin']));
});
