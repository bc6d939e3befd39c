/**
 * The conversation both ways, in Chromium with fake cameras and microphones, through the real
 * chain (gateway in process, cloud with its broker and relay, the simulated PTZ camera):
 *
 *   nurse page (the cart's browser) ═conversation peer═ specialist's page
 *   signaling: nurse page ─HTTP/SSE─ gateway ─MQTT─ relay ─WebSocket─ specialist's page
 *
 * Checked on both pages with getStats: video frames decoded and audio energy received from the
 * other side; the gateway's own peer (PTZ video, the stethoscope in its own element) still there beside it; the nurse's mute and the
 * specialist's camera-off shown on the other side (and the muted voice's energy stops growing); a
 * specialist with no camera still talks (audio only) and sees the cart.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in a network namespace with only
 * `lo` (root needed; skipped otherwise, with the reason).
 */
import type { Cloud } from '@telecart/cloud';
import type { Gateway } from '@telecart/gateway';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../support/chromium.js';
import { canUseNetns, createNamespaces, IN_NETNS_ENV, innerFailure, runIn } from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { type ConsultChain, startConsultChain } from './chain.js';
import { CAPTURE_PEER } from './page-media.js';
import { PATIENT_CONSENT } from './support.js';

const FILE = 'tests/teleconsult/conversation.browser.test.ts';
const inside = process.env[IN_NETNS_ENV] !== undefined;
// biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its summary
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
const netns = inside || (await canUseNetns());
const skipReason = !hasChromium
  ? 'no /usr/bin/chromium'
  : !netns
    ? 'needs root and iproute2 to run WebRTC in a network namespace with only lo'
    : null;
if (skipReason && !inside) console.warn(`conversation browser test skipped: ${skipReason}`);

const SPECIALIST = { id: 'dr-convo', name: 'Dr Paul Gériatre', password: 'convo-geria-2026!' };
const PATIENT = { id: 'ehpad-r7', family: 'DURAND', given: 'Louise', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };
const GATEWAY_ID = 'cart-convo';
const INNER_TESTS = 4;

describe.skipIf(skipReason !== null || inside)('the conversation both ways (re-run inside a network namespace)', () => {
  it('in a namespace with only lo', async () => {
    const ns = await createNamespaces(`tcv${process.pid % 100_000}`);
    try {
      const r = await runIn(ns.main, [process.execPath, 'node_modules/vitest/vitest.mjs', 'run', FILE], { [IN_NETNS_ENV]: ns.main });
      if (r.code !== 0) console.error(r.output);
      expect(r.code, innerFailure(r.output)).toBe(0);
      expect(plain(r.output)).toMatch(new RegExp(`Tests\\s+${INNER_TESTS} passed`));
    } finally {
      await ns.destroy();
    }
  }, 180_000);
});

export interface ConvoStats {
  state: string;
  framesDecoded: number;
  audioEnergy: number;
  audioSamples: number;
  sendsVideo: boolean;
}

/** getStats of the page's conversation peer: the newest one that sends a track of its own (the gateway's peer sends none). */
export function convoStats(page: Page): Promise<ConvoStats> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track !== null));
    const out = { state: pc?.connectionState ?? 'none', framesDecoded: 0, audioEnergy: 0, audioSamples: 0, sendsVideo: false };
    if (!pc) return out;
    out.sendsVideo = pc.getSenders().some((s) => s.track?.kind === 'video');
    const stats = await pc.getStats();
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') out.framesDecoded += Number(s.framesDecoded ?? 0);
      else {
        out.audioEnergy += Number(s.totalAudioEnergy ?? 0);
        out.audioSamples += Number(s.totalSamplesReceived ?? 0);
      }
    });
    return out;
  });
}

async function convoGrows(page: Page, key: 'framesDecoded' | 'audioEnergy', what: string): Promise<void> {
  const before = (await convoStats(page))[key];
  await waitFor(async () => (await convoStats(page))[key] > before, { timeoutMs: 15_000, what: `${what} to grow past ${before}` });
}

/** The energy received while at least `seconds` of audio arrive (counted in samples, not in wall time). */
async function energyOver(page: Page, seconds: number): Promise<number> {
  const a = await convoStats(page);
  let b = a;
  await waitFor(
    async () => {
      b = await convoStats(page);
      return b.audioSamples - a.audioSamples >= seconds * 48_000;
    },
    { timeoutMs: 20_000, what: `${seconds} s of conversation audio received` },
  );
  return b.audioEnergy - a.audioEnergy;
}

describe.skipIf(skipReason !== null || !inside)('the conversation, inside the namespace', () => {
  let chain: ConsultChain;
  let cloud: Cloud;
  let gw: Gateway;
  let specialist: Page;
  let nurse: Page;
  let problems: string[];

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${cloud.httpUrl}/consult?lang=fr`);
    await page.fill('#login-id', SPECIALIST.id);
    await page.fill('#login-password', SPECIALIST.password);
    await page.click('#login-form button[type=submit]');
    await waitFor(async () => (await page.evaluate(() => document.body.dataset.view)) === 'room', { what: 'the waiting room' });
  }

  async function callAndJoin(page: Page): Promise<string> {
    const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Chute, avis gériatrique', consent: PATIENT_CONSENT }),
    });
    expect(res.status).toBe(201);
    const { sessionId } = (await res.json()) as { sessionId: string };
    await page.locator(`tr[data-session="${sessionId}"] button.join`).click();
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('in-progress');
    return sessionId;
  }

  beforeAll(async () => {
    chain = await startConsultChain({
      dirPrefix: 'telecart-convo-',
      gatewayId: GATEWAY_ID,
      specialist: SPECIALIST,
      patient: PATIENT,
      stethoscope: false,
      serialSeed: 11,
    });
    ({ cloud, gw, page: specialist, problems } = chain);
    nurse = await chain.browser.newPage({ locale: 'fr-FR' });
    nurse.on('pageerror', (e) => problems.push(`nurse pageerror: ${e.message}`));
    nurse.on('console', (m) => {
      if (m.type() === 'error') problems.push(`nurse console: ${m.text()}`);
    });
    await nurse.addInitScript(CAPTURE_PEER);
    await nurse.goto(`${gw.httpUrl}/`);
    await signIn(specialist);
  }, 90_000);
  // Chromium, the gateway with its media pipelines, the cloud and the simulators: seconds each on a busy host.
  afterAll(() => chain?.stop(), 90_000);

  it('both ways: the specialist sees and hears the cart’s room, the cart sees and hears the specialist', async () => {
    await callAndJoin(specialist);
    await expect.poll(() => nurse.locator('#convo').isVisible(), { timeout: 15_000 }).toBe(true);
    await waitFor(async () => (await convoStats(specialist)).state === 'connected', { timeoutMs: 20_000, what: 'specialist convo peer' });
    await waitFor(async () => (await convoStats(nurse)).state === 'connected', { timeoutMs: 20_000, what: 'cart convo peer' });
    // Specialist ← cart: the room camera's frames and the conversation microphone's sound.
    await convoGrows(specialist, 'framesDecoded', 'the cart’s room camera frames at the specialist');
    await convoGrows(specialist, 'audioEnergy', 'the cart’s voice at the specialist');
    // Cart ← specialist.
    await convoGrows(nurse, 'framesDecoded', 'the specialist’s camera frames at the cart');
    await convoGrows(nurse, 'audioEnergy', 'the specialist’s voice at the cart');
    expect(await nurse.locator('#convo-remote').getAttribute('data-tracks')).toBe('2');
    expect(await specialist.locator('#convo-video').getAttribute('data-tracks')).toBe('2');
    // The gateway's own peer (PTZ video) goes on beside it (its camera pipeline may start after the conversation's).
    const ptzFrames = () =>
      specialist.evaluate(async () => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
        const g = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().every((s) => s.track === null));
        let frames = 0;
        (await g?.getStats())?.forEach((s: Record<string, unknown>) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') frames += Number(s.framesDecoded ?? 0);
        });
        return frames;
      });
    await expect.poll(ptzFrames, { timeout: 20_000 }).toBeGreaterThan(0);
    // The stethoscope keeps its own element, fed by the gateway's peer only; the cart's voice goes to the conversation's.
    const elements = await specialist.evaluate(() => {
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
      const convo = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track !== null));
      const convoIds = new Set(convo?.getReceivers().map((r) => r.track.id));
      const ids = (id: string) =>
        ((document.getElementById(id) as HTMLMediaElement).srcObject as MediaStream | null)?.getTracks().map((t) => t.id) ?? [];
      return {
        steth: ids('steth'),
        stethInConvo: ids('steth').some((t) => convoIds.has(t)),
        convoAll: ids('convo-video').every((t) => convoIds.has(t)),
      };
    });
    expect(elements.steth).toHaveLength(1);
    expect(elements.stethInConvo).toBe(false);
    expect(elements.convoAll).toBe(true);
    // The conversation's microphone asks for the browser's voice processing.
    const constraints = await nurse.evaluate(() => {
      const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
      const track = pcs
        .at(-1)
        ?.getSenders()
        .find((s) => s.track?.kind === 'audio')?.track;
      const s = track?.getSettings();
      return { ec: s?.echoCancellation, ns: s?.noiseSuppression, agc: s?.autoGainControl };
    });
    expect(constraints).toEqual({ ec: true, ns: true, agc: true });
  });

  it('the nurse mutes: the specialist’s page says « micro coupé » and the cart’s voice energy stops growing', async () => {
    const live = await energyOver(specialist, 2);
    expect(live).toBeGreaterThan(0);
    await nurse.click('#convo-mic');
    await expect.poll(() => specialist.locator('#convo-remote-state').getAttribute('data-mic')).toBe('false');
    expect(await specialist.locator('#convo-remote-state').textContent()).toContain('micro coupé');
    expect(await nurse.locator('#convo-mic').getAttribute('aria-pressed')).toBe('true');
    // Let the packets already on their way arrive, then: samples keep coming, their energy does not
    // (what is left is the decoder's rounding: 6.5e-11 in one run, against 0 expected).
    await energyOver(specialist, 0.5);
    const muted = await energyOver(specialist, 2);
    expect(muted).toBeLessThan(live / 10_000);
    await nurse.click('#convo-mic');
    await expect.poll(() => specialist.locator('#convo-remote-state').getAttribute('data-mic')).toBe('true');
    await convoGrows(specialist, 'audioEnergy', 'the cart’s voice back at the specialist');
  });

  it('the specialist turns the camera off: the cart shows « caméra coupée », then it comes back', async () => {
    await specialist.click('#convo-cam');
    await expect.poll(() => nurse.locator('#convo-remote-state').getAttribute('data-camera')).toBe('false');
    expect(await nurse.locator('#convo-remote-state').textContent()).toContain('caméra coupée');
    await specialist.click('#convo-cam');
    await expect.poll(() => nurse.locator('#convo-remote-state').getAttribute('data-camera')).toBe('true');
    expect(await nurse.locator('#convo-remote-state').textContent()).toBe('');
    await specialist.click('#hangup');
    await expect.poll(() => specialist.locator('#act-status').getAttribute('data-status')).toBe('completed');
    await expect.poll(() => nurse.locator('#convo').isVisible()).toBe(false);
  });

  it('a specialist with no camera still talks: audio only to the cart, the cart’s room to them', async () => {
    // Another page of the same specialist, on a machine without a camera.
    const page = await chain.browser.newPage({ locale: 'fr-FR' });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.addInitScript(CAPTURE_PEER);
    await page.addInitScript(() => {
      const md = navigator.mediaDevices;
      const real = md.getUserMedia.bind(md);
      md.getUserMedia = (c?: MediaStreamConstraints) =>
        c?.video ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) : real(c);
    });
    await signIn(page);
    await callAndJoin(page);
    await waitFor(async () => (await convoStats(page)).state === 'connected', { timeoutMs: 20_000, what: 'audio-only convo peer' });
    await waitFor(async () => (await convoStats(nurse)).state === 'connected', { timeoutMs: 20_000, what: 'cart convo peer' });
    expect((await convoStats(page)).sendsVideo).toBe(false);
    await expect.poll(() => nurse.locator('#convo-remote-state').getAttribute('data-camera')).toBe('false');
    expect(await nurse.locator('#convo-remote-state').getAttribute('data-mic')).toBe('true');
    await convoGrows(nurse, 'audioEnergy', 'the audio-only specialist’s voice at the cart');
    expect((await convoStats(nurse)).framesDecoded).toBe(0);
    await convoGrows(page, 'framesDecoded', 'the cart’s room at the audio-only specialist');
    await convoGrows(page, 'audioEnergy', 'the cart’s voice at the audio-only specialist');
    expect(problems).toEqual([]);
  });
});
