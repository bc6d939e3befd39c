/**
 * The carts' days at local midnight, on a real embedded broker and a real SQLite store, with the
 * clock and the midnight timer injected: before midnight the cart's retained day is today's, and
 * the rebuild at midnight (Europe/Paris, not UTC) replaces it with the next day's acts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { EMPTY_CONTENT, reportSha256 } from '../report/content.js';
import { useReportLink } from '../report/links.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { CartAgendaPublisher } from './publisher.js';

/** A publisher whose clock and midnight timer the test holds. */
async function startPublisher(url: string, store: SqliteStore, start: Date, linkKey?: Buffer) {
  let now = start;
  let armed: { fn: () => void; ms: number } | undefined;
  const publisher = await CartAgendaPublisher.connect({
    brokerUrl: url,
    store,
    nameOf: (id) => (id === 'dr-roux' ? 'Dr Anne Roux' : null),
    timeZone: 'Europe/Paris',
    logger: pino({ level: 'silent' }),
    now: () => now,
    ...(linkKey ? { linkKey } : {}),
    setTimer: (fn, ms) => {
      armed = { fn, ms };
      return { cancel: () => undefined };
    },
  });
  return {
    publisher,
    setNow: (d: Date) => {
      now = d;
    },
    armedMs: () => armed?.ms,
    fire: () => armed?.fn(),
  };
}

let broker: EmbeddedBroker;
let store: SqliteStore;
let cart: MqttClient;
const days: { day: string; acts: { id: string; patient: string }[] }[] = [];

beforeEach(async () => {
  days.length = 0;
  broker = await startEmbeddedBroker({ port: 0, logger: pino({ level: 'silent' }) });
  store = new SqliteStore({ file: ':memory:' });
  await store.upsertPatients([{ id: 'p-001', localId: 'r12', family: 'Martin', given: 'Jeanne', gateways: ['cart-1'] }]);
  for (const [id, start] of [
    ['today', '2026-12-06T09:00:00.000Z'],
    ['tomorrow', '2026-12-07T09:00:00.000Z'],
  ] as const)
    await store.bookAppointment({
      id,
      gatewayId: 'cart-1',
      patientId: 'p-001',
      localPatientId: 'p-001',
      patientIns: null,
      start,
      end: new Date(Date.parse(start) + 20 * 60_000).toISOString(),
      specialistId: 'dr-roux',
      specialty: null,
      reason: null,
      bookedBy: 'dr-roux',
      at: '2026-12-01T08:00:00.000Z',
    });
  cart = await mqtt.connectAsync(broker.url, { clientId: 'cart-1', reconnectPeriod: 0 });
  cart.on('message', (_t, p) => days.push(JSON.parse(p.toString()) as (typeof days)[number]));
  await cart.subscribeAsync(topics.agenda('cart-1'), { qos: 1 });
});
afterEach(async () => {
  await cart.endAsync();
  await store.close();
  await broker.stop();
});

it('publishes today at start and the next day at local midnight (Europe/Paris)', async () => {
  // 23:30 in Paris on 6 December: midnight is at 23:00 UTC.
  const p = await startPublisher(broker.url, store, new Date('2026-12-06T22:30:00.000Z'));
  try {
    await p.publisher.begin('http://127.0.0.1:9');
    await expect.poll(() => days.length).toBe(1);
    expect(days[0]).toMatchObject({ day: '2026-12-06', acts: [{ id: 'today', patient: 'r12' }] });
    expect(p.armedMs()).toBe(30 * 60_000);

    p.setNow(new Date('2026-12-06T23:00:00.001Z'));
    p.fire();
    await expect.poll(() => days.length).toBe(2);
    expect(days[1]).toMatchObject({ day: '2026-12-07', acts: [{ id: 'tomorrow', patient: 'r12' }] });
    // Re-armed for the next midnight, a day later.
    expect(p.armedMs()).toBe(24 * 3600_000 - 1);
  } finally {
    await p.publisher.stop();
  }
});

it('keeps a cart’s document link across a restart: the stored link (audience cart) is found again, not reissued', async () => {
  const sessionId = randomUUID();
  const draft = await store.createReportDraft({
    id: randomUUID(),
    sessionId,
    patientId: 'p-001',
    authorId: 'dr-roux',
    content: { ...EMPTY_CONTENT, conclusion: 'ok' },
    at: '2026-12-06T09:30:00.000Z',
  });
  await store.signReport({
    sessionId,
    version: 1,
    vitals: [],
    by: 'dr-roux',
    name: 'Dr Anne Roux',
    at: '2026-12-06T09:40:00.000Z',
    hash: reportSha256,
  });
  const key = randomBytes(32);
  const urls: string[] = [];
  for (const at of ['2026-12-06T10:00:00.000Z', '2026-12-07T10:00:00.000Z']) {
    // Each round is a new process: a new publisher, nothing in memory, the same store and key.
    const p = await startPublisher(broker.url, store, new Date(at), key);
    try {
      const before = days.length;
      await p.publisher.begin('http://127.0.0.1:9');
      await expect.poll(() => days.length).toBe(before + 1);
      const day = days.at(-1) as unknown as { documents: { url: string }[] };
      urls.push(day.documents[0]?.url ?? '');
    } finally {
      await p.publisher.stop();
    }
  }
  expect(urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:9\/r\/[A-Za-z0-9_-]{43}$/);
  expect(urls[1]).toBe(urls[0]);
  const stored = await store.latestReportLink(draft.id, 'cart cart-1');
  expect(stored).toMatchObject({ audience: 'cart', createdBy: 'cloud', createdAt: '2026-12-06T10:00:00.000Z' });
  // The URL still opens the version: the token hashes to the stored row.
  const use = await useReportLink(store, urls[0]?.split('/r/')[1] ?? '', new Date('2026-12-07T10:00:00.000Z'));
  expect(use.ok).toBe(true);
});

it('at start, 250 carts each get their own day (acts of other carts never mixed in), their acts read per hundred carts, not per cart', async () => {
  const ids = Array.from({ length: 250 }, (_, i) => `fleet-${String(i + 1).padStart(3, '0')}`);
  await store.upsertPatients(ids.map((g) => ({ id: `p-${g}`, family: 'FLEET', given: g, gateways: [g] })));
  // Every third cart has an act today; the last one two.
  const booked = ids.filter((_, i) => i % 3 === 0);
  for (const [k, g] of [...booked, 'fleet-250'].entries())
    await store.bookAppointment({
      id: `act-${k}`,
      gatewayId: g,
      patientId: `p-${g}`,
      localPatientId: `p-${g}`,
      patientIns: null,
      start: new Date(Date.parse('2026-12-06T12:00:00.000Z') + k * 60_000).toISOString(),
      end: new Date(Date.parse('2026-12-06T12:00:00.000Z') + k * 60_000 + 30_000).toISOString(),
      specialistId: 'dr-roux',
      specialty: null,
      reason: null,
      bookedBy: 'dr-roux',
      at: '2026-12-01T08:00:00.000Z',
    });
  const got = new Map<string, { gatewayId: string; day: string; acts: { id: string; patient: string }[] }>();
  const all = await mqtt.connectAsync(broker.url, { clientId: 'observer', reconnectPeriod: 0 });
  all.on('message', (_t, p) => {
    const day = JSON.parse(p.toString()) as { gatewayId: string; day: string; acts: { id: string; patient: string }[] };
    got.set(day.gatewayId, day);
  });
  await all.subscribeAsync(topics.agenda('x').replace('/x/', '/+/'), { qos: 1 });
  let reads = 0;
  const list = store.listAppointments.bind(store);
  store.listAppointments = (q) => {
    reads++;
    return list(q);
  };
  const p = await startPublisher(broker.url, store, new Date('2026-12-06T10:00:00.000Z'));
  try {
    await p.publisher.begin('http://127.0.0.1:9');
    await p.publisher.flush();
    await expect.poll(() => got.size).toBe(251);
    for (const [i, g] of ids.entries()) {
      const day = got.get(g);
      const expected = [...booked.entries()].filter(([, b]) => b === g).map(([k]) => ({ id: `act-${k}`, patient: `p-${g}` }));
      if (g === 'fleet-250') expected.push({ id: `act-${booked.length}`, patient: `p-${g}` });
      // toMatchObject compares arrays whole: no act more, none fewer.
      expect(day, g).toMatchObject({ gatewayId: g, day: '2026-12-06', acts: expected });
      expect(day?.acts.length, g).toBe(i % 3 === 0 ? 1 + (g === 'fleet-250' ? 1 : 0) : 0);
    }
    // cart-1 of beforeEach too: 251 carts, three chunks, one read of the day for the order.
    expect(reads).toBeLessThanOrEqual(4);
    expect(p.publisher.metrics()).toEqual({ published: 251, failures: 0 });
  } finally {
    await all.endAsync();
    await p.publisher.stop();
  }
});
