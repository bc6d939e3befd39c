/**
 * The TURN relay of an act (issue 12, the patient behind NAT): the cloud hands each party of an act
 * credentials of its own for a real coturn (TURN REST API, use-auth-secret); coturn's own client
 * allocates with them, refuses them once expired or signed with another secret; and two werift peers
 * allowed to use relay candidates only (what a cart and a browser behind symmetric NATs are left with)
 * connect through it with the credentials the relay issued.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection, type RTCIceServer as WeriftIceServer } from 'werift';
import { issueTurnCredentials } from '../../cloud/src/teleconsult/turn-credentials.js';
import { type Coturn, startCoturn } from '../support/coturn.js';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let turn: Coturn;
beforeAll(async () => {
  turn = await startCoturn();
});
afterAll(async () => {
  await turn?.stop();
});

describe('TURN credentials against coturn', () => {
  const opts = () => ({ urls: [turn.url], sharedSecret: turn.secret, ttlSeconds: 600 });

  it('allocates with fresh credentials, and is refused expired ones or ones signed with another secret', async () => {
    const fresh = issueTurnCredentials(opts(), 'act-1.cart', Date.now());
    expect(fresh.username).toMatch(/^\d{10}:act-1\.cart$/);
    expect(await turn.allocates(fresh.username, fresh.credential)).toBe(true);

    const expired = issueTurnCredentials(opts(), 'act-1.cart', Date.now() - 601_000);
    expect(await turn.allocates(expired.username, expired.credential)).toBe(false);

    const forged = issueTurnCredentials({ ...opts(), sharedSecret: 'another-secret-of-some-length' }, 'act-1.cart', Date.now());
    expect(await turn.allocates(forged.username, forged.credential)).toBe(false);
    expect(turn.log()).toContain(expired.username);
  }, 40_000);

  it('refuses a subject the TURN server could misread', () => {
    expect(() => issueTurnCredentials(opts(), 'act:1', Date.now())).toThrow(/letters, digits/);
    expect(() => issueTurnCredentials(opts(), '', Date.now())).toThrow();
  });
});

describe('an act through the relay', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  beforeAll(async () => {
    c = await startConsultCloud({ teleconsult: { turn: { urls: [turn.url], sharedSecretFile: turn.secretFile, ttlSeconds: 900 } } });
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  });
  afterAll(async () => {
    await cart?.close();
    await c?.stop();
  });

  it('gives the cart and the specialist credentials of their own for this act, which coturn accepts, and werift peers connect over relay candidates only', async () => {
    const page = await PageSocket.open(c.cloud.httpUrl, await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']));
    const sid = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    await cart.call(sid, 'p-001', { reason: 'dyspnée', specialistId: 'dr-roux' });
    await cart.status(sid, 'waiting');
    page.send({ type: 'join', sessionId: sid });
    const joined = await page.next((m) => m.type === 'joined');
    const start = await cart.next('start', (m) => m.sessionId === sid);
    const forPage = (joined.iceServers as WeriftIceServer[])[0];
    const forCart = (start.iceServers as WeriftIceServer[] | undefined)?.[0];
    expect(forPage).toMatchObject({ urls: [turn.url], username: expect.stringMatching(new RegExp(`^\\d+:${sid}\\.specialist$`)) });
    expect(forCart).toMatchObject({ urls: [turn.url], username: expect.stringMatching(new RegExp(`^\\d+:${sid}\\.cart$`)) });
    const expiry = Number(forCart?.username?.split(':')[0]);
    expect(expiry - before).toBeGreaterThanOrEqual(900);
    expect(expiry - before).toBeLessThanOrEqual(905);
    expect(await turn.allocates(forCart?.username ?? '', forCart?.credential ?? '')).toBe(true);
    expect(await turn.allocates(forPage?.username ?? '', forPage?.credential ?? '')).toBe(true);

    // Media behind NATs that let nothing else through: relay candidates only, both sides.
    const peer = (ice: WeriftIceServer | undefined) =>
      new RTCPeerConnection({
        iceServers: ice ? [{ ...ice, urls: turn.url }] : [],
        iceTransportPolicy: 'relay',
        iceUseIpv6: false,
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
      });
    const a = peer(forCart);
    const b = peer(forPage);
    try {
      const echoed = new Promise<string>((resolve) => {
        b.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => ch.send(`echo ${String(m)}`)));
        const ch = a.createDataChannel('probe');
        ch.onMessage.subscribe((m) => resolve(String(m)));
        ch.stateChanged.subscribe((s) => {
          if (s === 'open') ch.send('hello');
        });
      });
      await a.setLocalDescription(await a.createOffer());
      await waitGathered(a);
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await waitGathered(b);
      await a.setRemoteDescription(b.localDescription!);
      const candidates = (sdp: string) => [...sdp.matchAll(/a=candidate:.* typ (\w+)/g)].map((m) => m[1]);
      expect(candidates(a.localDescription!.sdp)).not.toHaveLength(0);
      expect(new Set([...candidates(a.localDescription!.sdp), ...candidates(b.localDescription!.sdp)])).toEqual(new Set(['relay']));
      expect(await Promise.race([echoed, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])).toBe('echo hello');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await page.close();
    }
  }, 60_000);
});

async function waitGathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) =>
    pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') resolve();
    }),
  );
}
