/**
 * A cart's teleconsultation call names the patient by the cart's local id, like its readings: two
 * sites that both call a resident "r12" have two cloud patients, and the waiting room shows the
 * calling cart's own patient (name and cloud id), never the other site's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let page: PageSocket | undefined;
const carts: TestCart[] = [];

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      { id: 'r12', family: 'MARTIN', given: 'Jeanne', gateways: ['cart-a1'] },
      { id: 'glycines-r12', localId: 'r12', family: 'DUBOIS', given: 'Henri', gateways: ['cart-c1'] },
    ],
  });
});
afterAll(async () => {
  await page?.close();
  for (const cart of carts) await cart.close();
  await c?.stop();
});

describe('waiting room names by (cart, local id)', () => {
  it("shows each cart's own r12", async () => {
    const p = await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']));
    page = p;
    for (const [gatewayId, id, family] of [
      ['cart-c1', 'glycines-r12', 'DUBOIS'],
      ['cart-a1', 'r12', 'MARTIN'],
    ] as const) {
      const cart = await TestCart.connect(c.cloud.mqttUrl, gatewayId);
      carts.push(cart);
      const sid = randomUUID();
      await cart.call(sid, 'r12');
      await cart.status(sid, 'waiting');
      const listed = await p.next(
        (m) =>
          m.type === 'waiting-room' &&
          (m.sessions as { sessionId: string; patient: { family: string | null } }[]).some((s) => s.sessionId === sid && s.patient.family),
      );
      const s = (listed.sessions as { sessionId: string; patient: Record<string, unknown> }[]).find((x) => x.sessionId === sid);
      expect(s?.patient).toMatchObject({ id, family });
    }
  });

  it("shows nothing of a patient the calling cart is not assigned, even named by another site's cloud id", async () => {
    const p = page ?? (await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux'])));
    page = p;
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-a2');
    carts.push(cart);
    const sid = randomUUID();
    await cart.call(sid, 'glycines-r12', { patient: { id: 'glycines-r12', ins: '238016912304522' } });
    await cart.status(sid, 'waiting');
    await p.next((m) => m.type === 'waiting-room' && (m.sessions as { sessionId: string }[]).some((s) => s.sessionId === sid));
    // Give the cloud's lookup time to (wrongly) fill the names in, then read the latest room.
    await new Promise((r) => setTimeout(r, 500));
    const latest = p.received.filter((m) => m.type === 'waiting-room').at(-1);
    const sessions = (latest?.sessions ?? []) as { sessionId: string; patient: Record<string, unknown> }[];
    const s = sessions.find((x) => x.sessionId === sid);
    expect(s?.patient).toEqual({ id: 'glycines-r12', ins: null, family: null, given: null, birthDate: null });
  });
});
