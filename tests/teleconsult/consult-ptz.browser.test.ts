/**
 * The consultation page's live part against a real WebRTC peer: a werift RTCPeerConnection plays
 * the cart (offers the 'ptz' and 'ecg' data channels, answers PTZ commands like the gateway's
 * relay), the signaling goes through the real cloud relay and MQTT, and Chromium is the specialist.
 * Checked: the keyboard and the joystick give the PtzCommand sequence the dead-man rule expects
 * (move repeated while held, stop on release; space stops; digits go to presets), ECG chunks sent
 * out of order are drawn in order, the act is finalised on hang-up.
 *
 * WebRTC gathers every interface it sees, so the test re-runs itself in a network namespace whose
 * only interface is `lo` (Chromium --allow-loopback-in-peer-connection, werift 127.0.0.1 only).
 */
import { randomUUID } from 'node:crypto';
import { compile, type EcgChunk, encodeEcgChunk, PtzCommand, type PtzReply } from '@telecart/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RTCDataChannel, RTCPeerConnection } from 'werift';
import { EcgSyn } from '../../firmware-sim/src/signals/ecgsyn.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { canUseNetns, createNamespaces, expectInnerRun, IN_NETNS_ENV, innerVitest, runIn } from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { type ConsultCloud, PASSWORDS, startConsultCloud, TestCart } from './support.js';

const inside = process.env[IN_NETNS_ENV] !== undefined;
const usable = hasChromium && (inside || (await canUseNetns()));
const checkPtz = compile(PtzCommand);

describe.skipIf(!usable || inside)('consultation page with a WebRTC cart (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const ns = await createNamespaces(`tcp${process.pid % 100_000}`);
    try {
      const r = await runIn(ns.main, innerVitest('tests/teleconsult/consult-ptz.browser.test.ts'), {
        [IN_NETNS_ENV]: ns.main,
      });
      expectInnerRun(r);
    } finally {
      await ns.destroy();
    }
  }, 120_000);
});

/** The cart's end: werift offerer with the gateway's data channels; PTZ replies as the relay gives them. */
class WeriftCart {
  readonly commands: PtzCommand[] = [];
  readonly invalid: string[] = [];
  pc: RTCPeerConnection | undefined;
  ptz: RTCDataChannel | undefined;
  ecg: RTCDataChannel | undefined;
  presets = [
    { token: 'p-bed', name: 'Lit' },
    { token: 'p-face', name: 'Visage' },
  ];

  constructor(private readonly cart: TestCart) {}

  async start(sessionId: string): Promise<void> {
    const pc = new RTCPeerConnection({ iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] });
    this.pc = pc;
    pc.onIceCandidate.subscribe((c) => {
      if (c?.candidate)
        void this.cart.send({
          v: 1,
          type: 'ice',
          sessionId,
          candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null },
        });
    });
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected' || s === 'failed' || s === 'closed') void this.cart.send({ v: 1, type: 'state', sessionId, state: s });
    });
    const ptz = pc.createDataChannel('ptz', { ordered: true });
    this.ptz = ptz;
    ptz.onMessage.subscribe((data) => {
      const text = typeof data === 'string' ? data : data.toString('utf8');
      const v = checkPtz.validate(JSON.parse(text));
      if (!v.ok) {
        this.invalid.push(text);
        return;
      }
      const cmd = v.value;
      this.commands.push(cmd);
      const reply: PtzReply = { seq: cmd.seq, ok: true };
      if (cmd.op === 'presets') reply.presets = this.presets;
      if (cmd.op === 'status' || cmd.op === 'stop') reply.status = { pan: 0.1, tilt: -0.2, zoom: 0.3, moving: false };
      ptz.send(JSON.stringify(reply));
    });
    this.ecg = pc.createDataChannel('ecg', { ordered: false });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await this.cart.send({ v: 1, type: 'offer', sessionId, sdp: pc.localDescription?.sdp ?? offer.sdp });
    const answer = await this.cart.next('answer', (m) => m.sessionId === sessionId);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    // Candidates from the page, already here or still to come (TestCart keeps every RtcDown in order).
    let applied = 0;
    const apply = () => {
      for (; applied < this.cart.down.length; applied++) {
        const m = this.cart.down[applied];
        if (m?.type === 'ice' && m.sessionId === sessionId)
          void pc.addIceCandidate({
            candidate: m.candidate.candidate,
            sdpMid: m.candidate.sdpMid ?? undefined,
            sdpMLineIndex: m.candidate.sdpMLineIndex ?? undefined,
          });
      }
    };
    this.cart.client.on('message', () => setImmediate(apply));
    apply();
  }

  ops(): string[] {
    return this.commands.map((c) =>
      c.op === 'move' ? `move ${c.pan} ${c.tilt} ${c.zoom}` : c.op === 'preset-goto' ? `goto ${c.token}` : c.op,
    );
  }
}

describe.skipIf(!usable || !inside)('inside the namespace', () => {
  let c: ConsultCloud;
  let cart: TestCart;
  let gw: WeriftCart;
  let browser: Browser;
  let page: Page;
  const sid = randomUUID();

  beforeAll(async () => {
    c = await startConsultCloud({ teleconsult: { connectTimeoutSeconds: 60 } });
    cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    gw = new WeriftCart(cart);
    browser = await launchChromium({ webrtc: true });
    page = await browser.newPage({ locale: 'en-GB' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.pc?.close();
    await cart?.close();
    await c?.stop();
  });

  it('joins, and the data channels open over loopback', async () => {
    await page.goto(`${c.cloud.httpUrl}/consult?lang=en`);
    // Chromium gathers a non-default-route interface (here the only one, lo) only for a page allowed
    // the microphone: the test grants it once (a fake device); the page itself never asks for it.
    await page.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of s.getTracks()) t.stop();
    });
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORDS['dr-roux']);
    await page.click('#login-form button[type=submit]');
    await cart.call(sid);
    await page.locator(`tr[data-session="${sid}"] button.join`).click();
    const start = await cart.next('start', (m) => m.sessionId === sid);
    await gw.start(start.sessionId);
    await expect.poll(() => page.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    // On open the page asks where the camera is and which presets it has.
    await waitFor(() => gw.ops().includes('presets') && gw.ops().includes('status'), { what: 'status and presets asked' });
    await expect.poll(() => page.locator('#presets li').count()).toBe(2);
    await cart.status(sid, 'in-progress');
  });

  it('keyboard: arrows move while held and stop on release; + zooms; space stops; digits go to presets', async () => {
    gw.commands.length = 0;
    await page.locator('#video').click(); // focus the page, not a field
    await page.keyboard.down('ArrowRight');
    await waitFor(() => gw.ops().filter((o) => o === 'move 0.5 0 0').length >= 3, { what: 'the held arrow repeated' });
    await page.keyboard.up('ArrowRight');
    await waitFor(() => gw.ops().includes('stop'), { what: 'stop on release' });
    await page.keyboard.down('+');
    await waitFor(() => gw.ops().filter((o) => o === 'move 0 0 0.5').length >= 2, { what: 'zoom held' });
    const n = gw.commands.length;
    await page.keyboard.up('+');
    await waitFor(() => gw.commands.slice(n).some((c) => c.op === 'stop'), { what: 'zoom released' });
    await page.keyboard.press('Space');
    await page.keyboard.press('2');
    await waitFor(() => gw.ops().includes('goto p-face'), { what: 'preset 2' });

    // The sequence with repeats collapsed, the page's own status queries left out.
    const seen = gw.ops().filter((o) => o !== 'status' && o !== 'presets');
    const collapsed = seen.filter((o, i) => !(o.startsWith('move') && seen[i - 1] === o));
    expect(collapsed).toEqual(['move 0.5 0 0', 'stop', 'move 0 0 0.5', 'stop', 'stop', 'goto p-face']);
    const seqs = gw.commands.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(gw.invalid).toEqual([]);
  });

  it('joystick: a drag to the right pans right, repeated while held; release stops', async () => {
    gw.commands.length = 0;
    const box = await page.locator('#joystick').boundingBox();
    if (!box) throw new Error('no joystick');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width, box.y + box.height / 2, { steps: 4 });
    await waitFor(() => gw.commands.filter((c) => c.op === 'move' && c.pan === 1 && c.tilt === 0).length >= 2, {
      what: 'full right, repeated',
    });
    await page.mouse.up();
    await waitFor(() => gw.commands.at(-1)?.op === 'stop' || gw.commands.at(-2)?.op === 'stop', { what: 'stop on release' });
    const moves = gw.commands.filter((c) => c.op === 'move');
    expect(moves.every((m) => m.op === 'move' && m.pan >= 0 && m.zoom === 0)).toBe(true);
  });

  it('draws ECG chunks in seq order even when they arrive out of order', async () => {
    const chunk = (seq: number): EcgChunk => ({
      seq,
      t0: 1_700_000_000_000 + seq * 200,
      periodMs: 4,
      lead: 'II',
      factor: 0.005,
      samples: Array.from({ length: 50 }, (_, i) => Math.round(200 * Math.sin((seq * 50 + i) / 8))),
    });
    await waitFor(() => gw.ecg?.readyState === 'open', { what: 'ecg channel open' });
    for (const s of [1, 0, 3, 2, 4]) gw.ecg?.send(Buffer.from(encodeEcgChunk(chunk(s))));
    // Malformed: the old JSON, a chunk cut short. Counted with the reason, nothing drawn of them.
    gw.ecg?.send('{"broken"');
    gw.ecg?.send(Buffer.from(encodeEcgChunk(chunk(5))).subarray(0, 40));
    await expect.poll(() => page.locator('#ecg').getAttribute('data-chunks')).toBe('5');
    expect(await page.locator('#ecg').getAttribute('data-last-seq')).toBe('4');
    await expect.poll(() => page.locator('#ecg').getAttribute('data-malformed')).toBe('2');
    expect(await page.locator('#ecg').getAttribute('data-malformed-why')).toMatch(/seq 5: ends at sample/);
  });

  it('draws the ECG true to scale on a calibrated screen, with the grid, and gives the heart rate', async () => {
    // 12 s of ECGSYN at 72 /min, 256 Hz, in chunks of 64 samples following the five above.
    const syn = new EcgSyn({ sampleRateHz: 256, hrMean: 72, hrStd: 1, seed: 11 });
    const factor = 0.005;
    for (let k = 0; k < 48; k++) {
      const seq = 5 + k;
      const samples = Array.from({ length: 64 }, () => Math.round(syn.next() / factor));
      gw.ecg?.send(
        Buffer.from(encodeEcgChunk({ seq, t0: 1_700_000_001_000 + k * 250, periodMs: 1000 / 256, lead: 'II', factor, samples })),
      );
    }
    await expect.poll(() => page.locator('#ecg').getAttribute('data-chunks'), { timeout: 10_000 }).toBe('53');
    await expect
      .poll(async () => Math.abs(Number(await page.locator('#ecg').getAttribute('data-hr')) - 72), { timeout: 5000 })
      .toBeLessThanOrEqual(3);
    expect(await page.locator('#ecg-hr').textContent()).toMatch(/^(FC|HR) \d+ \/min$/);
    // Not calibrated: CSS's millimetre, 200 mm of paper; the grid canvas lies exactly under the trace.
    const size = (id: string) => page.locator(id).evaluate((e) => e.getBoundingClientRect().width);
    expect(Math.abs((await size('#ecg')) - (200 * 96) / 25.4)).toBeLessThanOrEqual(1);
    expect(await size('#ecg-grid')).toBe(await size('#ecg'));
    // Calibrated with a card matched at 342 CSS px (4.0 px per mm): 200 mm of paper is 799 px.
    await page.click('#ecg-calibrate');
    await page.locator('#ecg-card-width').evaluate((e) => {
      (e as HTMLInputElement).value = '342';
      e.dispatchEvent(new Event('input'));
    });
    await page.click('#ecg-calibration-save');
    expect(Math.abs((await size('#ecg')) - (200 * 342) / 85.6)).toBeLessThanOrEqual(1);
    expect(await page.locator('#ecg').getAttribute('data-px-per-mm')).toBe((342 / 85.6).toFixed(3));
    expect(await page.evaluate(() => localStorage.getItem('telecart.ecg.cssPxPerMm'))).toBe(String(342 / 85.6));
    expect(await page.locator('#ecg-calibration').isHidden()).toBe(true);
  });

  it('hangs up: the cart is told, the act is finalised', async () => {
    await page.click('#hangup');
    await cart.status(sid, 'completed');
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('completed');
    await c.cloud.teleconsult.relay.flush();
    const rec = await c.cloud.store.getTeleconsultation(sid);
    expect(rec?.status).toBe('completed');
    expect(rec?.durationMs).toBeGreaterThan(0);
  });
});
