// The conversation both ways (docs/conversation.md): the cart's page (nurse page served by the
// gateway) and the specialist's page (cloud /consult), each in its own headless Chromium, through
// the real signaling chain (gateway HTTP/SSE → MQTT → cloud relay → WebSocket), on lo inside a
// network namespace made for the run. Needs root (ip netns) and the Debian chromium; without them
// it says so and measures nothing.
//
//   `node bench/conversation.mjs` (after `npm run build`) prints the table; bench/index.mjs calls
//   `benchConversation()`, which re-runs this file inside the namespace.
//
// Each page's camera is a canvas (640×360, 15 frames/s) in place of the fake device, with a white
// block in its bottom-right corner lit at known instants; the other page draws every frame of the
// conversation video into a canvas (requestVideoFrameCallback) and notes when that corner turns
// bright. Both browsers read the same machine clock. The microphones are Chromium's fake ones.
// Measured:
//   - join → first conversation frame shown, each way (the click on « Rejoindre » to the frame)
//   - glass to glass, each way (flash painted → flash shown)
//   - what each side sends (outbound-rtp, kbit/s, audio and video) and each browser's CPU
//     (its whole process tree) while the conversation runs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCartConfig } from './support/bench-cart.mjs';
import { FLASH_CAMERA } from './support/flash-camera.mjs';
import { CHROMIUM, CHROMIUM_MEDIA_ARGS, INSIDE, resultMark, row, runInNamespace } from './support/in-namespace.mjs';
import { childrenOf, TICK, treeTicks } from './support/proc-tree.mjs';

const MARK = resultMark('conversation');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the measurement in a fresh namespace; { skipped } when this machine cannot. */
export async function benchConversation(opts = {}) {
  return runInNamespace({
    name: 'conversation',
    prefix: 'cvbench',
    script: fileURLToPath(import.meta.url),
    env: { TELECART_BENCH_FLASHES: String(opts.flashes ?? 20), TELECART_BENCH_JOINS: String(opts.joins ?? 3) },
  });
}

export function printConversation(r) {
  console.log('\n## Conversation both ways (cart page ⇄ specialist page, Chromium on lo; canvas camera 640x360@15, fake microphones)');
  if (r.skipped) {
    console.log(r.skipped);
    return;
  }
  console.table(r.table);
  console.table(r.sides);
}

// ── inside the namespace ──

/** In both pages (after FLASH_CAMERA, the canvas camera): the received conversation video is watched. */
const INIT = () => {
  const w = window;
  w.__pcs = [];
  const Base = w.RTCPeerConnection;
  w.RTCPeerConnection = class extends Base {
    constructor(c) {
      super(c);
      w.__pcs.push(this);
      // The conversation peer's milestones (the gateway's peer on the specialist's page too: the last one wins on the cart's page only).
      w.__created = performance.timeOrigin + performance.now();
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') w.__connected = performance.timeOrigin + performance.now();
      });
    }
  };
  w.__luma = [];
  w.__firstFrame = null;
  w.__watch = (id) => {
    const el = document.getElementById(id);
    const probe = document.createElement('canvas');
    probe.width = 32;
    probe.height = 18;
    const p = probe.getContext('2d', { willReadFrequently: true });
    const onFrame = (now, meta) => {
      const t = performance.timeOrigin + (meta.presentationTime ?? now);
      const vw = el.videoWidth;
      const vh = el.videoHeight;
      if (vw > 0 && vh > 0) {
        w.__firstFrame ??= t;
        p.drawImage(el, vw * 0.75, vh * 0.75, vw * 0.25, vh * 0.25, 0, 0, 32, 18);
        const d = p.getImageData(0, 0, 32, 18).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
        w.__luma.push([t, sum / (d.length / 4)]);
      }
      el.requestVideoFrameCallback(onFrame);
    };
    el.requestVideoFrameCallback(onFrame);
  };
};

function glassToGlass(flashes, luma, windowMs) {
  const lat = [];
  for (const t of flashes) {
    const hit = luma.find(([at, l]) => at >= t && at < t + windowMs && l >= 128);
    if (hit) lat.push(hit[0] - t);
  }
  return lat;
}

/** kbit/s sent by the page's conversation peer, per kind, between two getStats. */
const SENT = () => {
  const pc = window.__pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track));
  return pc.getStats().then((st) => {
    const out = { audio: 0, video: 0, at: performance.now(), width: 0 };
    st.forEach((s) => {
      if (s.type === 'outbound-rtp') {
        out[s.kind] += s.bytesSent;
        if (s.kind === 'video') out.width = s.frameWidth ?? 0;
      }
    });
    return out;
  });
};

async function inside() {
  const { startCloud, hashPassword } = await import('@telecart/cloud');
  const { resolveGatewayConfig, startGateway } = await import('@telecart/gateway');
  const { chromium } = await import('playwright-core');
  const { pino } = await import('pino');
  const flashes = Number(process.env.TELECART_BENCH_FLASHES ?? 20);
  const joins = Number(process.env.TELECART_BENCH_JOINS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'telecart-convo-bench-'));
  const logger = pino({ level: 'silent' });
  const specialist = { id: 'dr-bench', name: 'Dr Bench', password: 'bench-convo-2026!' };
  const patient = { id: 'r-1', family: 'BENCH', given: 'Anne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };
  const cloud = await startCloud({
    dataDir: join(dir, 'cloud'),
    mqttPort: 0,
    httpPort: 0,
    patients: [{ ...patient, gateways: ['cart-bench'] }],
    logger,
    teleconsult: { specialists: [{ ...specialist, passwordHash: await hashPassword(specialist.password, 10), gateways: ['cart-*'] }] },
  });
  const config = resolveGatewayConfig(benchCartConfig('cart-bench', patient));
  const gw = await startGateway({ config, dataDir: join(dir, 'gateway'), cloudUrl: cloud.mqttUrl, logger });
  gw.patients.select(patient.id);
  while (!gw.sync.connected) await sleep(50);
  const args = CHROMIUM_MEDIA_ARGS;
  // One after the other, to tell their process trees apart (the new child of this process).
  const kids = () => new Set(childrenOf(process.pid));
  const before = kids();
  const cartBrowser = await chromium.launch({ executablePath: CHROMIUM, args });
  const cartPid = [...kids()].find((p) => !before.has(p));
  const mid = kids();
  const specBrowser = await chromium.launch({ executablePath: CHROMIUM, args });
  const specPid = [...kids()].find((p) => !mid.has(p));
  try {
    const firstCart = [];
    const firstSpec = [];
    const offered = [];
    const connected = [];
    let last = null;
    for (let j = 0; j < joins; j++) {
      const nurse = await cartBrowser.newPage({ locale: 'fr-FR' });
      await nurse.addInitScript(FLASH_CAMERA);
      await nurse.addInitScript(INIT);
      await nurse.goto(`${gw.httpUrl}/`);
      await nurse.evaluate(() => window.__watch('convo-remote'));
      const spec = await specBrowser.newPage({ locale: 'fr-FR' });
      await spec.addInitScript(FLASH_CAMERA);
      await spec.addInitScript(INIT);
      await spec.goto(`${cloud.httpUrl}/consult?lang=fr`);
      await spec.fill('#login-id', specialist.id);
      await spec.fill('#login-password', specialist.password);
      await spec.click('#login-form button[type=submit]');
      await spec.waitForFunction(() => document.body.dataset.view === 'room');
      await spec.evaluate(() => window.__watch('convo-video'));
      const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consent: { by: 'patient', method: 'oral' } }),
      });
      if (res.status !== 201) throw new Error(`call: ${res.status} ${await res.text()}`);
      const { sessionId } = await res.json();
      const join = spec.locator(`tr[data-session="${sessionId}"] button.join`);
      await join.waitFor();
      const clicked = Date.now();
      await join.click();
      await spec.waitForFunction(() => window.__firstFrame !== null, null, { timeout: 30_000 });
      await nurse.waitForFunction(() => window.__firstFrame !== null, null, { timeout: 30_000 });
      firstSpec.push((await spec.evaluate(() => window.__firstFrame)) - clicked);
      firstCart.push((await nurse.evaluate(() => window.__firstFrame)) - clicked);
      // On the cart's page the only peer is the conversation's: when the specialist's ready reached it, when ICE+DTLS were up.
      offered.push((await nurse.evaluate(() => window.__created)) - clicked);
      connected.push((await nurse.evaluate(() => window.__connected)) - clicked);
      if (j < joins - 1) {
        await spec.click('#hangup');
        await spec.waitForFunction(() => document.getElementById('act-status')?.dataset.status === 'completed');
        await Promise.all([nurse.close(), spec.close()]);
        while (gw.teleconsult.status().session?.status === 'in-progress') await sleep(50);
      } else last = { nurse, spec };
    }

    // Glass to glass and the steady state, on the last act.
    const { nurse, spec } = last;
    await sleep(3000);
    const cart0 = treeTicks(cartPid);
    const spec0 = treeTicks(specPid);
    const sentCart0 = await nurse.evaluate(SENT);
    const sentSpec0 = await spec.evaluate(SENT);
    const at0 = Date.now();
    await Promise.all([nurse.evaluate(() => (window.__luma.length = 0)), spec.evaluate(() => (window.__luma.length = 0))]);
    for (let i = 0; i < flashes; i++) {
      await sleep(Math.random() * 67);
      await Promise.all([nurse.evaluate(() => window.__flash(true)), spec.evaluate(() => window.__flash(true))]);
      await sleep(300);
      await Promise.all([nurse.evaluate(() => window.__flash(false)), spec.evaluate(() => window.__flash(false))]);
      await sleep(500);
    }
    await sleep(600);
    const seconds = (Date.now() - at0) / 1000;
    const cartCpu = ((treeTicks(cartPid) - cart0) / TICK / seconds) * 100;
    const specCpu = ((treeTicks(specPid) - spec0) / TICK / seconds) * 100;
    const sentCart1 = await nurse.evaluate(SENT);
    const sentSpec1 = await spec.evaluate(SENT);
    const kbps = (a, b, k) => Number((((b[k] - a[k]) * 8) / (b.at - a.at)).toFixed(1));
    const cartToSpec = glassToGlass(await nurse.evaluate(() => window.__flashes), await spec.evaluate(() => window.__luma), 800);
    const specToCart = glassToGlass(await spec.evaluate(() => window.__flashes), await nurse.evaluate(() => window.__luma), 800);
    const table = {
      'join → the cart page starts its offer (ms)': row(offered),
      'join → conversation peer connected, cart side (ms)': row(connected),
      'join → first frame at the specialist (ms)': row(firstSpec),
      'join → first frame at the cart (ms)': row(firstCart),
      'glass to glass, cart → specialist (ms)': row(cartToSpec),
      'glass to glass, specialist → cart (ms)': row(specToCart),
    };
    const sides = {
      'cart page': {
        'audio sent kbit/s': kbps(sentCart0, sentCart1, 'audio'),
        'video sent kbit/s': kbps(sentCart0, sentCart1, 'video'),
        'video width sent': sentCart1.width,
        'browser CPU % of one core': Number(cartCpu.toFixed(0)),
      },
      'specialist page': {
        'audio sent kbit/s': kbps(sentSpec0, sentSpec1, 'audio'),
        'video sent kbit/s': kbps(sentSpec0, sentSpec1, 'video'),
        'video width sent': sentSpec1.width,
        'browser CPU % of one core': Number(specCpu.toFixed(0)),
      },
    };
    process.stdout.write(`${MARK}${JSON.stringify({ table, sides })}\n`);
  } catch (e) {
    console.error(`conversation bench: ${e.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await Promise.race([Promise.all([cartBrowser.close(), specBrowser.close(), gw.stop(), cloud.stop()]), sleep(8000)]);
    rmSync(dir, { recursive: true, force: true });
    process.exit(process.exitCode ?? 0);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env[INSIDE]) await inside();
  else printConversation(await benchConversation());
}
