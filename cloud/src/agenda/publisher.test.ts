/**
 * The carts' days at local midnight, on a real embedded broker and a real SQLite store, with the
 * clock and the midnight timer injected: before midnight the cart's retained day is today's, and
 * the rebuild at midnight (Europe/Paris, not UTC) replaces it with the next day's acts.
 */
import { topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded-broker.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { CartAgendaPublisher } from './publisher.js';

/** A publisher whose clock and midnight timer the test holds. */
async function startPublisher(url: string, store: SqliteStore, start: Date) {
  let now = start;
  let armed: { fn: () => void; ms: number } | undefined;
  const publisher = await CartAgendaPublisher.connect({
    brokerUrl: url,
    store,
    nameOf: (id) => (id === 'dr-roux' ? 'Dr Anne Roux' : null),
    timeZone: 'Europe/Paris',
    logger: pino({ level: 'silent' }),
    now: () => now,
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
