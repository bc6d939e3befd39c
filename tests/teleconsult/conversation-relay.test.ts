/**
 * The conversation's signaling through the real relay (embedded broker, SQLite): the cart's `convo`
 * reaches only the specialist who joined its act, the specialist's `convo` reaches only that cart;
 * a message for another act, from another cart, from a page that did not join, before the act is
 * in progress, or not matching the schema is refused and counted, and the relay goes on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

describe('conversation signaling through the relay', () => {
  let c: ConsultCloud;
  let cart1: TestCart;
  let cart2: TestCart;
  let roux: PageSocket;
  let roux2: PageSocket;
  const sid = randomUUID();
  const other = randomUUID();
  const metrics = () => c.cloud.teleconsult.relay.metrics();

  beforeAll(async () => {
    c = await startConsultCloud({ teleconsult: { connectTimeoutSeconds: 120 } });
    cart1 = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    cart2 = await TestCart.connect(c.cloud.mqttUrl, 'cart-2');
    const cookie = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
    roux = await PageSocket.open(c.cloud.httpUrl, cookie);
    // The same specialist's second page: it did not join.
    roux2 = await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']));
  }, 60_000);
  afterAll(async () => {
    await roux?.close();
    await roux2?.close();
    await cart1?.close();
    await cart2?.close();
    await c?.stop();
  });

  it('before the act is in progress, the cart’s convo goes nowhere', async () => {
    await cart1.call(sid);
    await cart1.status(sid, 'waiting');
    const before = metrics().malformed.mqtt['bad-state'];
    await cart1.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'media', mic: true, camera: true } });
    await waitFor(() => metrics().malformed.mqtt['bad-state'] > before, { what: 'the early convo refused' });
    expect(roux.received.some((m) => m.type === 'convo')).toBe(false);
  });

  it('relays both ways between the act’s cart and its joined specialist', async () => {
    roux.send({ type: 'join', sessionId: sid });
    await cart1.next('start', (m) => m.sessionId === sid);
    await cart1.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'offer', pc: 'pc1', sdp: 'v=0 offer' } });
    const got = await roux.next((m) => m.type === 'convo');
    expect(got).toEqual({ type: 'convo', sessionId: sid, signal: { kind: 'offer', pc: 'pc1', sdp: 'v=0 offer' } });
    roux.send({ type: 'convo', sessionId: sid, signal: { kind: 'answer', pc: 'pc1', sdp: 'v=0 answer' } });
    const down = await cart1.next('convo', (m) => m.sessionId === sid);
    expect(down.signal).toEqual({ kind: 'answer', pc: 'pc1', sdp: 'v=0 answer' });
    roux.send({ type: 'convo', sessionId: sid, signal: { kind: 'media', mic: false, camera: true } });
    await cart1.next('convo', (m) => m.signal.kind === 'media');
    // The specialist's page never reaches another cart, and another page never sees this act's conversation.
    expect(cart2.down.some((m) => m.type === 'convo')).toBe(false);
    expect(roux2.received.some((m) => m.type === 'convo')).toBe(false);
  });

  it('refuses a convo from another cart, for another act, from a page that did not join, or off the schema', async () => {
    const m0 = metrics().malformed;
    const seen = roux.received.filter((m) => m.type === 'convo').length;
    // Cart 2 speaks for cart 1's act.
    await cart2.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'media', mic: false, camera: false } });
    // An act that is not there.
    await cart1.send({ v: 1, type: 'convo', sessionId: other, signal: { kind: 'media', mic: false, camera: false } });
    // A cart may not send what only the specialist sends (answer, ready), nor an unknown field.
    await cart1.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'ready' } });
    await cart1.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'media', mic: true, camera: true, volume: 3 } });
    await waitFor(() => metrics().malformed.mqtt['wrong-gateway'] > m0.mqtt['wrong-gateway'], { what: 'cart 2 refused' });
    await waitFor(() => metrics().malformed.mqtt['unknown-session'] > m0.mqtt['unknown-session'], { what: 'the unknown act refused' });
    await waitFor(() => metrics().malformed.mqtt.schema >= m0.mqtt.schema + 2, { what: 'the off-schema signals refused' });

    // The second page of the same specialist did not join: refused.
    roux2.send({ type: 'convo', sessionId: sid, signal: { kind: 'ready' } });
    await roux2.next((m) => m.type === 'error' && m.sessionId === sid);
    // A page may not send an offer (the cart's page offers).
    roux.send({ type: 'convo', sessionId: sid, signal: { kind: 'offer', pc: 'x', sdp: 'v=0' } });
    await waitFor(() => metrics().malformed.ws.schema > m0.ws.schema, { what: 'the page’s offer refused' });
    expect(metrics().malformed.ws.forbidden).toBeGreaterThan(m0.ws.forbidden);

    // Nothing of it reached the joined page, nor the cart.
    await c.cloud.teleconsult.relay.flush();
    expect(roux.received.filter((m) => m.type === 'convo')).toHaveLength(seen);
    expect(cart1.down.filter((m) => m.type === 'convo' && m.signal.kind === 'ready')).toHaveLength(0);
    expect(cart1.down.filter((m) => m.type === 'convo' && (m.signal as { kind: string }).kind === 'offer')).toHaveLength(0);
    // The relay goes on: the act's own conversation still flows.
    await cart1.send({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'media', mic: true, camera: false } });
    await roux.next((m) => m.type === 'convo' && (m.signal as { camera?: boolean }).camera === false);
  });
});
