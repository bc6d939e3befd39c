/**
 * The patient's latest vitals during the act: the relay sends them to the specialist's page on
 * join and again when a new reading is stored, for the cloud's patient the cart's local id maps
 * to; a patient the cart is not assigned gets none (a cart cannot show another patient's data by
 * naming its id).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let cart: TestCart;
let page: PageSocket;

beforeAll(async () => {
  c = await startConsultCloud({
    vitalsEveryMs: 100,
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: '238016912304522',
        gateways: ['cart-1'],
        localId: 'r12',
      },
      { id: 'p-002', family: 'Durand', given: 'Paul', birthDate: '1941-07-09', gateways: ['cart-2'] },
    ],
  });
  cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  page = await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']));
  await c.cloud.store.storeBatch(
    batchOf([
      reading('pulse', { seq: 1, gatewayId: 'cart-1', patientId: 'p-001', at: '2026-12-06T08:00:00.000Z', value: 88 }),
      reading('bp', { seq: 2, gatewayId: 'cart-1', patientId: 'p-001', at: '2026-12-06T08:01:00.000Z', value: [152, 91] }),
      reading('pulse', { seq: 3, gatewayId: 'cart-2', patientId: 'p-002', at: '2026-12-06T08:02:00.000Z', value: 61 }),
    ]),
  );
});
afterAll(async () => {
  await page?.close();
  await cart?.close();
  await c?.stop();
});

describe('vitals during the act', () => {
  it('sends the mapped patient’s latest vitals on join, then a newer reading once stored', async () => {
    const sid = randomUUID();
    await cart.call(sid, 'r12', { reason: 'dyspnée' });
    await cart.status(sid, 'waiting');
    page.send({ type: 'join', sessionId: sid });
    const first = await page.next((m) => m.type === 'vitals' && m.sessionId === sid);
    const v = first.vitals as Record<string, { values: number[]; unitDisplay: string; patientId: string }>;
    expect(Object.keys(v).sort()).toEqual(['bp', 'pulse']);
    expect(v.pulse).toMatchObject({ values: [88], unitDisplay: '/min', patientId: 'p-001' });
    expect(v.bp?.values).toEqual([152, 91]);
    await c.cloud.store.storeBatch(
      batchOf([reading('pulse', { seq: 4, gatewayId: 'cart-1', patientId: 'p-001', at: '2026-12-06T08:30:00.000Z', value: 97 })]),
    );
    const next = await page.next((m) => m.type === 'vitals' && m.sessionId === sid && JSON.stringify(m).includes('[97]'));
    expect((next.vitals as Record<string, { values: number[] }>).pulse?.values).toEqual([97]);
    page.send({ type: 'hangup', sessionId: sid });
    // The media never came up in this test: the act ends not done.
    await cart.status(sid, 'not-done');
  });

  it('sends nothing of a patient the calling cart is not assigned, even named by its cloud id', async () => {
    const sid = randomUUID();
    await cart.call(sid, 'p-002', { reason: 'chute' });
    await cart.status(sid, 'waiting');
    page.send({ type: 'join', sessionId: sid });
    const m = await page.next((x) => x.type === 'vitals' && x.sessionId === sid);
    expect(m.vitals).toEqual({});
    page.send({ type: 'hangup', sessionId: sid });
  });
});
