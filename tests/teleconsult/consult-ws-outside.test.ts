/**
 * The act's sockets checked with a client the project did not write (tests/support/ws-stdio.py: Python's
 * standard library, the handshake and the frames by hand), against a real cloud (embedded broker, SQLite,
 * fastify on loopback): the specialist's page's `downlink` state (what the act's room hears of its camera
 * toward the cart, docs/conversation.md « One owner for the cart's probes »).
 * - a malformed or out-of-range `downlink` is refused with an error naming the field and what it should be;
 * - a `downlink` for another act is refused (« no active session »), as any page message is;
 * - a guest sending the specialist's messages (`convo`, `join`) or a `downlink` of their own is refused with
 *   an error and an audit line;
 * - after all of it both sockets are open, the page's valid `downlink` reaches the cart, and nothing else did.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StdioSocket, stdioSocket } from '../support/ws-stdio.js';
import { openGuestLink } from './participant-support.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud, TestCart } from './support.js';

describe('the act’s sockets, from a client the project did not write', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let roux: string;
  const sockets: StdioSocket[] = [];
  const sid = randomUUID();
  const other = randomUUID();

  const open = async (path: string, cookie: string) => {
    const http = c.cloud.httpUrl;
    const s = stdioSocket(`${http.replace('http', 'ws')}${path}`, [`Cookie: ${cookie}`, `Origin: ${http}`]);
    sockets.push(s);
    expect(await s.status).toBe(101);
    return s;
  };
  const audit = async (action: string): Promise<AuditEvent[]> => {
    await c.cloud.teleconsult.relay.flush();
    return (await c.cloud.store.listAudit({ limit: 2000 })).filter((e) => e.sessionId === sid && e.action === action);
  };

  beforeAll(async () => {
    c = await startConsultCloud({ teleconsult: { connectTimeoutSeconds: 120 } });
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) await s.end();
    await cart?.close();
    await c?.stop();
  });

  it('refuses a malformed downlink, one for another act, and a guest’s; the sockets and the process live on', {
    timeout: 60_000,
  }, async () => {
    const page = await open('/consult/ws', roux);
    await page.next((m) => m.type === 'hello');
    await cart.call(sid);
    await cart.status(sid, 'waiting');
    page.send({ type: 'join', sessionId: sid });
    await cart.next('start', (m) => m.sessionId === sid);
    await cart.status(sid, 'in-progress');

    const refusal = async (s: StdioSocket, m: unknown) => {
      const from = s.received.length;
      s.send(m);
      return String((await s.next((x) => x.type === 'error', from)).message);
    };
    const downlink = (signal: Record<string, unknown>, sessionId = sid) => ({ type: 'convo', sessionId, signal });
    expect(await refusal(page, downlink({ kind: 'downlink', videoPaused: 'yes' }))).toBe('/signal/videoPaused: Expected boolean');
    expect(await refusal(page, downlink({ kind: 'downlink', videoPaused: 1 }))).toBe('/signal/videoPaused: Expected boolean');
    expect(await refusal(page, downlink({ kind: 'downlink' }))).toMatch(/^\/signal\/videoPaused: Expected required property/);
    expect(await refusal(page, downlink({ kind: 'downlink', videoPaused: true, kbps: 50 }))).toMatch(
      /^\/signal\/kbps: Unexpected property/,
    );
    expect(await refusal(page, downlink({ kind: 'probe', videoPaused: true }))).toMatch(/^\/signal\/kind: Expected one of .*"downlink"/);
    expect(await refusal(page, downlink({ kind: 'downlink', videoPaused: true }, other))).toBe(`no active session ${other}`);
    expect(await refusal(page, '{"type":"convo",')).toMatch(/JSON/);

    // A guest of the act, on their own socket, sends what only the specialist's page may.
    const g = await openGuestLink(c.cloud.httpUrl, roux, sid, 'Paul, petit-fils');
    const guest = await open(`${g.url.pathname}/ws${g.url.search}`, g.cookie);
    await guest.next((m) => m.type === 'waiting');
    expect(await refusal(guest, downlink({ kind: 'downlink', videoPaused: true }))).toMatch(/^'convo' is not accepted from a participant/);
    expect(await refusal(guest, { type: 'join', sessionId: sid })).toMatch(/^'join' is not accepted from a participant/);
    expect(await refusal(guest, { type: 'signal', signal: { kind: 'downlink', videoPaused: true } })).toMatch(
      /^a guest’s media go through the forwarding unit/,
    );
    expect(await refusal(guest, { type: 'signal', signal: { kind: 'downlink', videoPaused: 'no' } })).toBe(
      'signal refused: /signal/videoPaused: Expected boolean',
    );
    expect((await audit('participant-message-refused')).map((e) => e.detail?.split(':')[0]).sort()).toEqual(['convo', 'join', 'signal']);
    expect((await audit('participant-signal-refused')).map((e) => e.detail)).toEqual(['downlink: guest']);

    // Nothing of it reached the cart; both sockets are open, and the page's valid state goes through.
    expect(cart.down.filter((m) => m.type === 'convo')).toEqual([]);
    expect(page.open() && guest.open()).toBe(true);
    page.send(downlink({ kind: 'downlink', videoPaused: true }));
    const down = await cart.next('convo', (m) => m.sessionId === sid);
    expect(down.signal).toEqual({ kind: 'downlink', videoPaused: true });
    expect(cart.down.filter((m) => m.type === 'convo')).toHaveLength(1);
    expect((await fetch(`${c.cloud.httpUrl}/consult`)).status).toBe(200);
  });
});
