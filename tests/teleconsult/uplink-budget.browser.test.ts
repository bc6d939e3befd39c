/**
 * The cart's uplink budget on a shaped link (docs/conversation.md, « Bandwidth »): the cart's two peers
 * (the gateway's: PTZ video, stethoscope, ECG; the nurse page's conversation: voice, room camera) both
 * cross one tbf-shaped veth to the specialist's Chromium in a second namespace, as a cart on a weak site
 * uplink. The cloud listens on the veth too (the specialist's page reaches it there; the gateway's MQTT
 * stays on lo).
 *
 * The cart's uplink is shaped (what leaves the cart's namespace); its downlink is not: on a symmetric
 * 100 kbit/s link the specialist's own camera and voice (not the cart's budget) fill the way back, and the
 * gateway's peer lost its ICE consent there in a first run.
 *
 * The test: the act joined on the unshaped link; first the cart's downlink alone shaped at 100 kbit/s for 12 s: its
 * full queue lengthens every round trip the cart's peers measure, but nothing the cart sends is lost, and the budget,
 * which decides on that loss, stays at `full` (the PTZ video goes on reaching the specialist; a budget reading the
 * round trip paused it there). Then STEP (100 kbit/s, below), the uplink: over a window of ~20 s the specialist
 * receives the cart's voice and the stethoscope with little concealment and the ECG goes on, the cart's voice
 * goes in 60 ms frames, both of the cart's peers stay connected, the room camera is paused for the link and
 * shown so on both pages (not as the nurse's camera-off); the link unshaped, the room camera comes back. With TELECART_BUDGET_RATES (e.g. `100kbit,300kbit`) it measures
 * a window per rate and asserts nothing (the bench, bench/uplink-budget.mjs); TELECART_BUDGET_OFF=1 turns
 * the budget off in the gateway (the « before » figures).
 *
 * Needs root (network namespaces, tc) and the Debian chromium; skipped otherwise, with the reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '@telecart/cloud';
import type { Gateway } from '@telecart/gateway';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, launchChromium } from '../support/chromium.js';
import {
  chromiumInNetns,
  expectInnerRun,
  IN_NETNS_ENV,
  linkToPeer,
  namespacedChromiumSkip,
  PEER_NETNS_ENV,
  rerunInNamespace,
  type ShapedLink,
} from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { type ConsultChain, startConsultChain } from './chain.js';
import { CAPTURE_PEER } from './page-media.js';
import { roomEnds, traceRoom } from './room-camera.js';
import { PATIENT_CONSENT } from './support.js';
import { streamCounters, streamWindow, windowLine } from './uplink-streams.js';

const FILE = 'tests/teleconsult/uplink-budget.browser.test.ts';
const inside = process.env[IN_NETNS_ENV] !== undefined;
const skipReason = await namespacedChromiumSkip('uplink budget browser test');
const RATES = (process.env.TELECART_BUDGET_RATES ?? '').split(',').filter(Boolean);
const BUDGET_OFF = process.env.TELECART_BUDGET_OFF === '1';
const WINDOW_MS = Number(process.env.TELECART_BUDGET_WINDOW_MS ?? 20_000);
/**
 * The asserted step: 100 kbit/s, the survey's weakest site (docs/conversation.md « One uplink budget »): the
 * budget's lowest level fits it since the ECG is binary and the voice goes in 60 ms frames, and werift's
 * consent wait follows the media's round trip (before, the gateway's peer was lost there in 2 of 3 runs, and
 * the test asserted at 128 kbit/s). `TELECART_BUDGET_STEP` sets another.
 */
const STEP = process.env.TELECART_BUDGET_STEP ?? '100kbit';

const SPECIALIST = { id: 'dr-budget', name: 'Dr Anne Budget', password: 'budget-link-2026!' };
const PATIENT = { id: 'ehpad-b3', family: 'MARTIN', given: 'Jeanne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  loadavg()
    .slice(0, 2)
    .map((l) => l.toFixed(1))
    .join('–');

describe.skipIf(skipReason !== null || inside)('the uplink budget (re-run inside network namespaces)', () => {
  it('over a veth shaped with tbf', async () => {
    const r = await rerunInNamespace(FILE, 'tub');
    expectInnerRun(r, { passed: 1, figures: 'figures' });
  }, 540_000);
});

describe.skipIf(skipReason !== null || !inside)('the uplink budget, inside the namespace', () => {
  let chain: ConsultChain;
  let cloud: Cloud;
  let gw: Gateway;
  let link: ShapedLink;
  let specialist: Page;
  let nurseBrowser: Browser;
  let nurse: Page;
  let dir: string;

  beforeAll(async () => {
    const peerNs = process.env[PEER_NETNS_ENV];
    if (!peerNs) throw new Error(`${PEER_NETNS_ENV} is not set`);
    dir = mkdtempSync(join(tmpdir(), 'telecart-budget-'));
    link = await linkToPeer(peerNs);
    const local = link.localAddr;
    chain = await startConsultChain({
      dirPrefix: 'telecart-budget-',
      gatewayId: 'cart-budget',
      specialist: SPECIALIST,
      patient: PATIENT,
      stethoscope: false,
      serialSeed: 13,
      cloudHost: '0.0.0.0',
      gatewayHostAddresses: [local],
      ...(BUDGET_OFF ? { uplinkBudget: false } : {}),
      // The test's climb back: 5 s clean before each step up, and 5 s between tries of a step (doubled after a failed
      // one, up to 20 s), instead of the gateway's 15 s (up to 4 min), which made the climb 1.5–4 min of CI. The
      // measured windows keep the defaults.
      ...(RATES.length === 0 ? { uplinkBudgetTimings: { holdMs: 5000, maxHoldMs: 20_000 } } : {}),
      // The specialist's Chromium in the other namespace; its page at the veth address is a secure context for getUserMedia.
      launchBrowser: (c) =>
        chromium.launch({
          executablePath: chromiumInNetns(dir, peerNs),
          args: [...chromiumArgs({ webrtc: true }), `--unsafely-treat-insecure-origin-as-secure=${viaLink(c.httpUrl, local)}`],
        }),
    });
    ({ cloud, gw, page: specialist } = chain);
    nurseBrowser = await launchChromium({ webrtc: true });
    nurse = await nurseBrowser.newPage({ locale: 'fr-FR' });
    await nurse.addInitScript(CAPTURE_PEER);
    await nurse.goto(`${gw.httpUrl}/`);
    await specialist.addInitScript(COUNT_SOCKET_BYTES);
    await specialist.goto(`${viaLink(cloud.httpUrl, local)}/consult?lang=fr`);
    await specialist.fill('#login-id', SPECIALIST.id);
    await specialist.fill('#login-password', SPECIALIST.password);
    await specialist.click('#login-form button[type=submit]');
    await waitFor(async () => (await specialist.evaluate(() => document.body.dataset.view)) === 'room', { what: 'the waiting room' });
  }, 120_000);
  afterAll(async () => {
    await nurseBrowser?.close();
    await chain?.stop();
    await link?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('on a weak uplink the voice, the stethoscope and the ECG go on, the room camera paused for the link; unshaped, it comes back', async () => {
    const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Dyspnée, avis cardiologique', consent: PATIENT_CONSENT }),
    });
    expect(res.status).toBe(201);
    const { sessionId } = (await res.json()) as { sessionId: string };
    const started = Date.now();
    await specialist.locator(`tr[data-session="${sessionId}"] button.join`).click();
    await expect.poll(() => specialist.locator('#act-status').getAttribute('data-status')).toBe('in-progress');
    const phases: string[] = [];
    const phase = (what: string) => phases.push(`${what} ${Math.round((Date.now() - started) / 1000)} s`);
    phase('in progress');
    // Everything arrives on the unshaped link first (the streams watched together: each one's counter grows).
    type Counters = Awaited<ReturnType<typeof streamCounters>>;
    // 60 s for them all (each of the five had 30 s in turn before: the act's media took more than 30 s to flow once
    // at load 18–29).
    const grows = async (streams: Record<string, (s: Counters) => number>) => {
      const a = await streamCounters(specialist);
      let missing = Object.keys(streams);
      await waitFor(
        async () => {
          const b = await streamCounters(specialist);
          missing = missing.filter((k) => !((streams[k]?.(b) ?? 0) > (streams[k]?.(a) ?? 0)));
          return missing.length === 0;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the cart’s streams at the specialist' },
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}: nothing more of ${missing.join(', ')}`);
      });
    };
    await grows({
      'the PTZ video': (s) => s.ptz.frames,
      'the room camera': (s) => s.room.frames,
      'the cart’s voice': (s) => s.voice.energy,
      'the stethoscope': (s) => s.steth.samples,
      'the ECG': (s) => s.ecg,
    });
    phase('every stream');

    // The budget steps down one level at a time, 4 s apart: the window starts once it stayed 8 s at one (at the
    // asserted step, one that sends no video: under load it once stayed 12 s at `room-paused`, and a window that
    // began there measured the steps down), 4 s at `lean-audio`, the lowest: nothing below it to step down to.
    const settled = async (levels?: readonly string[]) => {
      let level = gw.teleconsult.uplinkPlan()?.plan.level;
      let since = Date.now();
      await waitFor(
        () => {
          const now = gw.teleconsult.uplinkPlan()?.plan.level;
          if (now !== level) [level, since] = [now, Date.now()];
          const stay = levels !== undefined && level === 'lean-audio' ? 4000 : 8000;
          return Date.now() - since >= stay && (levels === undefined || levels.includes(level ?? 'none'));
        },
        { timeoutMs: 60_000, what: `the uplink budget at one level${levels ? ` (${levels.join(' or ')})` : ''} for 8 s (4 at lean-audio)` },
      );
    };
    const planLine = () => {
      const plan = gw.teleconsult.uplinkPlan()?.plan;
      return plan ? `${plan.level}${plan.probe ? ' probe' : ''}` : 'none';
    };

    const measure = async (label: string) => {
      const flows = await countFlows(specialist);
      const [a, qa, na, ga, ra] = [
        await streamCounters(specialist),
        await link.sent(),
        await cartPageSent(nurse),
        gatewaySent(gw),
        await roomEnds(nurse, specialist),
      ];
      const startedAt = Date.now();
      const tracing = traceRoom(nurse, specialist, planLine);
      await sleep(WINDOW_MS);
      const trace = await tracing.stop();
      const w = streamWindow(a, await streamCounters(specialist));
      const [qb, nb, gb, rb] = [await link.sent(), await cartPageSent(nurse), gatewaySent(gw), await roomEnds(nurse, specialist)];
      const perSecond = (x: number) => Math.round(x / w.seconds);
      const flowLine = flows.read(w.seconds);
      const gateway = `PTZ ${perSecond(gb.videoPackets - ga.videoPackets)} pkt/s, stethoscope ${perSecond(gb.audioPackets - ga.audioPackets)} pkt/s, ECG ${perSecond(gb.ecg - ga.ecg)} chunks/s`;
      const page = Object.entries(nb)
        .map(
          ([k, v]) =>
            `${k} ${Math.round(((v.bytes - (na[k]?.bytes ?? 0)) * 8) / 1000 / w.seconds)} kbit/s ${Math.round((v.packets - (na[k]?.packets ?? 0)) / w.seconds)} pkt/s`,
        )
        .join(', ');
      const wire = `the cart's uplink ${Math.round(((qb.bytes - qa.bytes) * 8) / 1000 / w.seconds)} kbit/s sent, ${qb.dropped - qa.dropped} of ${qb.packets - qa.packets + qb.dropped - qa.dropped} packets dropped`;
      const ws = await specialist.evaluate(() => (window as unknown as { __wsBytes: Record<string, number> }).__wsBytes);
      console.log(
        `${windowLine(label, w, load())}; ${wire}; the cart page sent: ${page}; the gateway sent: ${gateway}; on the link: ${flowLine}; ${gatewayLine(gw)}; ws ${JSON.stringify(ws)}`,
      );
      // The voice's packets a second over the window, and the ptime the cart page's peer was answered with.
      const voicePackets = ((nb.audio?.packets ?? 0) - (na.audio?.packets ?? 0)) / w.seconds;
      // The room camera at both ends: what the cart page encoded and sent in the window, and what the specialist
      // decoded there, of which the frames the cart page had sent before it (lost at the pause, come late: room-camera.ts).
      const room = {
        encoded: rb.cart.encoded - ra.cart.encoded,
        sent: rb.cart.sent - ra.cart.sent,
        decoded: rb.specialist.decoded - ra.specialist.decoded,
        sentBefore: ra.cart.sent,
        decodedByEnd: rb.specialist.decoded,
        sameStream: ra.cart.ssrc === rb.specialist.ssrc && rb.cart.ssrc === rb.specialist.ssrc,
      };
      console.log(
        `figures voice ${voicePackets.toFixed(1)} pkt/s over the window, remote ${await remotePtime(nurse)}; room camera in the window: ${room.encoded} frames encoded and ${room.sent} sent by the cart page, ${room.decoded} decoded by the specialist (${rb.specialist.decoded} by the window's end of the ${ra.cart.sent} the cart page had sent before it); second by second: ${trace}`,
      );
      return { ...w, voicePackets, room, startedAt };
    };

    if (RATES.length > 0) {
      for (const rate of RATES) {
        await link.setUplinkRate(rate);
        await sleep(10_000);
        if (!BUDGET_OFF) await settled();
        await measure(`${rate}${BUDGET_OFF ? ' (no budget)' : ''}`);
      }
      return;
    }

    // The cart's downlink alone at 100 kbit/s: a full queue on the way back, the uplink free. The budget stays at `full`.
    const levels = new Set<string>();
    const ptz0 = (await streamCounters(specialist)).ptz.frames;
    await link.setDownlinkRate('100kbit');
    const downAt = Date.now();
    while (Date.now() - downAt < 12_000) {
      levels.add(gw.teleconsult.uplinkPlan()?.plan.level ?? 'none');
      levels.add(`page ${await nurse.locator('#convo').getAttribute('data-link')}`);
      await sleep(500);
    }
    const ptzFrames = (await streamCounters(specialist)).ptz.frames - ptz0;
    console.log(
      `figures downlink alone 100kbit for 12 s (load ${load()}): the budget ${[...levels].join(', ')}; ${ptzFrames} PTZ frames at the specialist`,
    );
    expect([...levels]).toEqual(['full', 'page full']);
    expect(ptzFrames).toBeGreaterThan(20);
    phase('downlink step');

    await link.setUplinkRate(STEP);
    // The room camera's counters on both ends from the shaping to the window (said with the window's).
    const before = traceRoom(nurse, specialist, planLine);
    // The levels the budget goes through, seconds after the shaping (said with the window's figures).
    const shapedAt = Date.now();
    const path: string[] = [];
    let changedAt = shapedAt;
    // The stethoscope's rate as the gateway applies it: a rise out of lean audio must follow a probe (the PTZ video
    // sent beside the lean audio), never be the try itself. A budget whose try upward raises the stethoscope fails here.
    let stethKbps = gw.teleconsult.status().peer?.stats.audioKbps ?? 0;
    let probedAt = Number.NEGATIVE_INFINITY;
    const unprobedRises: string[] = [];
    let probes = 0;
    const track = setInterval(() => {
      const plan = gw.teleconsult.uplinkPlan()?.plan;
      const l = plan ? `${plan.level}${plan.probe ? ' probe' : ''}` : 'none';
      const now = Date.now();
      const kbps = gw.teleconsult.status().peer?.stats.audioKbps ?? stethKbps;
      if (plan?.probe && now - probedAt > 1000) probes++;
      if (plan?.probe) probedAt = now;
      // Raised while probing (the probe is the stethoscope's), or with no probe in the 3 s before (the try is).
      if (kbps > stethKbps && (plan?.probe || now - probedAt > 3000))
        unprobedRises.push(`${Math.round((now - shapedAt) / 1000)} s ${stethKbps} → ${kbps} kbit/s`);
      stethKbps = kbps;
      if (path.at(-1)?.endsWith(` ${l}`)) return;
      if (!path.at(-1)?.includes(plan?.level ?? 'none')) changedAt = now;
      path.push(`${Math.round((now - shapedAt) / 1000)} s ${l}`);
    }, 250);
    track.unref();
    // The room camera is paused for the link, and each page says so (not as the nurse's camera-off).
    await expect.poll(() => nurse.locator('#convo').getAttribute('data-link'), { timeout: 30_000 }).toBe('paused');
    await expect.poll(() => specialist.locator('#convo-remote-state').getAttribute('data-link'), { timeout: 20_000 }).toBe('paused');
    expect(await specialist.locator('#convo-remote-state').getAttribute('data-camera')).toBe('true');
    await settled(['ptz-paused', 'lean-audio']);
    phase('settled');
    console.log(`figures room camera from ${STEP} to the window: ${await before.stop()}`);
    const slow = await measure(STEP);
    phase('window');
    console.log(`figures the budget's levels since ${STEP} up: ${path.join(', ')}; ${probes} probes`);
    // Both of the cart's peers up to the end of the window (the gateway's used to lose its ICE consent here).
    expect(gw.teleconsult.status().peer?.state).toBe('connected');
    expect(await nurse.locator('#convo').getAttribute('data-state')).toBe('connected');
    // Both videos paused. On a quiet machine the audio at full rate fits 100 kbit/s once the ECG is binary
    // (69 kbit/s sent, none dropped, load 2–6), so the budget may climb back from `lean-audio` to `ptz-paused`.
    let level = gw.teleconsult.uplinkPlan()?.plan.level;
    expect(['ptz-paused', 'lean-audio']).toContain(level);
    // The voice's frame length follows the level: 60 ms at `lean-audio` (16.7 packets a second), else 20 (50). A level
    // changed during the window or just before (a step up tried and taken back) may have changed it during the count:
    // counted again over 4 s, the renegotiation done (a probe changes no level, nor the voice).
    let voicePackets = slow.voicePackets;
    if (changedAt > slow.startedAt - 3000) {
      await sleep(2000);
      level = gw.teleconsult.uplinkPlan()?.plan.level;
      voicePackets = (await voiceRate(nurse)).perSecond;
      console.log(`figures voice counted again at ${level}: ${voicePackets.toFixed(1)} pkt/s`);
    }
    if (level === 'lean-audio') expect(voicePackets).toBeLessThan(25);
    else expect(voicePackets).toBeGreaterThan(40);
    // Measured with the budget: voice and stethoscope concealment (without it: 15 % and 69 %, or the
    // gateway's peer lost; docs/conversation.md « One uplink budget »).
    expect(slow.voice.concealment).toBeLessThan(0.1);
    // The try upward out of lean audio is a probe with the PTZ video, abandoned at the first congested report: the
    // stethoscope's rate is not its probe (15 % was allowed while each try raised it: 10.6 % in a CI run).
    expect(slow.steth.concealment).toBeLessThan(0.1);
    expect(slow.voice.energy).toBeGreaterThan(0);
    // ~8 chunks a second: the trace goes on (a few dropped to keep it live are allowed).
    expect(slow.ecgChunks).toBeGreaterThan(slow.seconds * 5);
    // The room camera paused: the cart page's encoder made no frame of it in the window, and its sender sent none.
    const room = `room camera in the window: ${JSON.stringify(slow.room)}`;
    expect(slow.room.encoded, room).toBe(0);
    expect(slow.room.sent, room).toBe(0);
    // And the specialist decoded none that the cart page had not sent before the window. Not « fewer than 3 decoded »:
    // the frames lost in the full queue at the pause come late, their packets sent again from the sender's history as
    // padding, and were counted so (7–32 in 1 window of 5; docs/conversation.md « The room camera's late frames »).
    expect(slow.room.sameStream, room).toBe(true);
    expect(slow.room.decodedByEnd, room).toBeLessThanOrEqual(slow.room.sentBefore);

    await link.setUplinkRate('100mbit');
    // The steps up, each after the test's 5 s clean and 5–20 s between tries (above); on failure, the levels the budget went through.
    const climb: string[] = [];
    const unshaped = Date.now();
    await waitFor(
      async () => {
        const level = gw.teleconsult.uplinkPlan()?.plan.level ?? 'none';
        if (!climb.at(-1)?.endsWith(` ${level}`)) climb.push(`${Math.round((Date.now() - unshaped) / 1000)} s ${level}`);
        return (await nurse.locator('#convo').getAttribute('data-link')) === 'full';
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: 'the room camera back on the nurse page',
      },
    ).catch((e: unknown) => {
      throw new Error(
        `${String(e)}; the budget's levels since unshaped: ${climb.join(', ')}; since shaped: ${path.join(', ')}; load ${load()}`,
      );
    });
    phase('climbed back');
    console.log(
      `figures the climb from unshaped to the room camera back on the nurse page: ${((Date.now() - unshaped) / 1000).toFixed(1)} s (load ${load()})`,
    );
    // From the shaping to the climb back done (the climb raises the stethoscope in every run): its rate never rose
    // but after a clean probe with the PTZ video. A budget whose try upward raises it fails here.
    clearInterval(track);
    console.log(`figures the levels until climbed back: ${path.join(', ')}; ${probes} probes`);
    expect(unprobedRises).toEqual([]);
    await grows({ 'the room camera back': (s) => s.room.frames });
    await expect.poll(() => specialist.locator('#convo-remote-state').getAttribute('data-link'), { timeout: 20_000 }).toBe('full');
    phase('end');
    console.log(`figures phases since the call (load ${load()}): ${phases.join(', ')}; the climb: ${climb.join(', ')}`);
  }, 420_000);
});

/**
 * What the cart page's conversation peer sent: its transport (all of it, DTLS/SRTP/RTCP/padding) and each outbound RTP
 * stream (the room camera's frames: room-camera.ts).
 */
function cartPageSent(page: Page): Promise<Record<string, { bytes: number; packets: number }>> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const pc = pcs.findLast((p) => p.getSenders().some((s) => s.track !== null));
    const out: Record<string, { bytes: number; packets: number }> = {};
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'transport') out.transport = { bytes: Number(s.bytesSent ?? 0), packets: Number(s.packetsSent ?? 0) };
      if (s.type === 'outbound-rtp')
        out[String(s.kind)] = { bytes: Number(s.bytesSent ?? 0) + Number(s.headerBytesSent ?? 0), packets: Number(s.packetsSent ?? 0) };
    });
    return out;
  });
}

/** The cart page's voice packets a second over 4 s. */
async function voiceRate(page: Page): Promise<{ perSecond: number }> {
  const a = await cartPageSent(page);
  await sleep(4000);
  const b = await cartPageSent(page);
  return { perSecond: ((b.audio?.packets ?? 0) - (a.audio?.packets ?? 0)) / 4 };
}

/** The audio ptime lines of the cart page's peer's remote description. */
function remotePtime(page: Page): Promise<string> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const pc = pcs.findLast((p) => p.getSenders().some((s) => s.track !== null));
    return (pc?.currentRemoteDescription?.sdp.match(/a=(max)?ptime:\d+/g) ?? []).join(' ');
  });
}

/** Init script: the bytes of the page's WebSocket messages, per message type (what the cloud sends over the link). */
function COUNT_SOCKET_BYTES(): void {
  const w = window as unknown as { __wsBytes: Record<string, number>; WebSocket: typeof WebSocket };
  const Base = w.WebSocket;
  w.__wsBytes = {};
  w.WebSocket = class extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => {
        const text = String(e.data);
        const type = /"type":"([a-z-]+)"/.exec(text)?.[1] ?? '?';
        w.__wsBytes[type] = (w.__wsBytes[type] ?? 0) + text.length;
      });
    }
  };
}

/**
 * Counters (nft, postrouting: before tbf drops, so what the cart offers its link) of what leaves on the
 * shaped link, per flow: each peer's UDP port (from the specialist page's selected pairs), TCP, and all.
 */
async function countFlows(page: Page): Promise<{ read(seconds: number): string }> {
  const ports = await page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed');
    const out: number[] = [];
    for (const pc of pcs) {
      const stats = await pc.getStats();
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') return;
        const pair = stats.get(s.selectedCandidatePairId) as { remoteCandidateId?: string } | undefined;
        const remote = pair?.remoteCandidateId ? (stats.get(pair.remoteCandidateId) as { port?: number } | undefined) : undefined;
        if (remote?.port) out.push(remote.port);
      });
    }
    return out;
  });
  const drop = () => {
    try {
      execFileSync('nft', ['delete', 'table', 'ip', 'tubacct'], { stdio: 'ignore' });
    } catch {
      /* none yet */
    }
  };
  drop();
  const rules = [
    ...ports.map((p) => `oifname "tcv*" udp sport ${p} counter comment "udp ${p}"`),
    'oifname "tcv*" meta l4proto tcp counter comment "tcp"',
    'oifname "tcv*" counter comment "all"',
  ];
  execFileSync('nft', ['-f', '-'], {
    input: `table ip tubacct {\n chain out {\n type filter hook postrouting priority 0; policy accept;\n${rules.join('\n')}\n }\n}\n`,
  });
  return {
    read(seconds) {
      const json = JSON.parse(execFileSync('nft', ['-j', 'list', 'table', 'ip', 'tubacct'], { encoding: 'utf8' })) as {
        nftables: { rule?: { comment?: string; expr: { counter?: { packets: number; bytes: number } }[] } }[];
      };
      drop();
      return json.nftables
        .filter((x) => x.rule)
        .map((x) => {
          const c = x.rule?.expr.find((e) => e.counter)?.counter ?? { packets: 0, bytes: 0 };
          return `${x.rule?.comment} ${Math.round((c.bytes * 8) / 1000 / seconds)} kbit/s ${Math.round(c.packets / seconds)} pkt/s`;
        })
        .join(', ');
    },
  };
}

/** What the gateway's peer has sent so far (its relays' and ECG channel's counters). */
function gatewaySent(gw: Gateway): { videoPackets: number; audioPackets: number; ecg: number } {
  const s = gw.teleconsult.status().peer?.stats;
  return { videoPackets: s?.video?.packets ?? 0, audioPackets: s?.audio?.packets ?? 0, ecg: s?.ecgChunksSent ?? 0 };
}

/** The gateway's side at the end of a window: its peer, the PTZ target, the budget's level. */
function gatewayLine(gw: Gateway): string {
  const peer = gw.teleconsult.status().peer;
  const level = gw.teleconsult.uplinkPlan()?.plan.level ?? 'no budget';
  return `gateway peer ${peer?.state ?? 'none'}, PTZ target ${peer?.stats.videoBitrateKbps ?? '—'} kbit/s, budget ${level}`;
}

/** The cloud's URL as the other namespace reaches it: the veth's address instead of 127.0.0.1. */
function viaLink(httpUrl: string, address: string): string {
  const u = new URL(httpUrl);
  u.hostname = address;
  return u.origin;
}
