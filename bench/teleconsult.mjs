// Live teleconsultation between the gateway's TeleconsultAgent and headless Chromium, on lo inside
// a network namespace made for the run (WebRTC gathers every interface it sees). Needs root
// (ip netns) and the Debian chromium; without them it says so and measures nothing.
//
//   `node bench/teleconsult.mjs` (after `npx tsc -b`) prints the table; bench/index.mjs may call
//   `benchTeleconsult()`, which re-runs this file inside the namespace and returns
//   { table, session } or { skipped }.
//
// Measured:
//   - PTZ `status` round trip browser → data channel → gateway → ONVIF SOAP → reply (200 commands)
//   - ECG latency: sample time (gateway clock) → chunk in the page (same machine clock), newest sample
//   - glass to glass: the simulated camera lights a white block in its overlay at known instants
//     (live-stream.ts `flash`); the page draws the <video> into a canvas on every
//     requestVideoFrameCallback and notes when that corner turns bright; both ends read the same
//     machine clock. With the camera's H.264 passed through, and with VP8 transcoding.
//   - gateway CPU (this process + its GStreamer children) and RSS during the session
//   - encoder restart → first RTP packet (the cost of a bitrate change or forced keyframe with gst-launch)
// Figures and decisions: docs/teleconsult-media.md.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_MEDIA_ARGS, INSIDE, pct, resultMark, row, runInNamespace } from './support/in-namespace.mjs';

const MARK = resultMark('teleconsult');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the measurement in a fresh namespace; { skipped } when this machine cannot. */
export async function benchTeleconsult(opts = {}) {
  return runInNamespace({
    name: 'teleconsult',
    prefix: 'tcbench',
    script: fileURLToPath(import.meta.url),
    env: { TELECART_BENCH_FLASHES: String(opts.flashes ?? 24) },
  });
}

export function printTeleconsult(r) {
  console.log('\n## Teleconsultation (werift → Chromium on lo; camera 640x360@15 H.264; Opus 32 kbit/s; ECG 256 Hz)');
  if (r.skipped) {
    console.log(r.skipped);
    return;
  }
  console.table(r.table);
  for (const s of r.sessions)
    console.log(
      `${s.name}: gateway process + GStreamer children CPU ${s.cpuPct} % of one core, RSS p50 ${s.rssP50} MB max ${s.rssMax} MB; ` +
        `video ${s.videoMode} ${s.videoCodec} ${s.videoKbps} kbit/s (REMB ${s.remb ?? 'none'}, loss ${s.fractionLost ?? '-'}, restarts ${s.restarts}, PLIs ${s.plis}), ` +
        `frames decoded ${s.frames}, flashes seen ${s.flashesSeen}/${s.flashes}`,
    );
}

// ── inside the namespace ──

const TICK = 100; // clock ticks per second (Linux USER_HZ)
function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function restartCost(gw) {
  const restart = {};
  for (const codec of ['vp8', 'h264']) {
    const relay = new gw.RtpRelay({
      kind: codec,
      clockRate: 90000,
      pipeline: (port) => [
        'videotestsrc',
        'is-live=true',
        'pattern=ball',
        '!',
        'video/x-raw,format=I420,width=640,height=360,framerate=15/1',
        '!',
        ...gw.encoderArgs(codec, 500, 15),
        '!',
        'udpsink',
        'host=127.0.0.1',
        `port=${port}`,
        'sync=false',
      ],
      sink: { writeRtp: () => undefined },
    });
    await relay.start();
    await sleep(1500);
    for (let i = 0; i < 8; i++) {
      await relay.restart();
      await sleep(900);
    }
    restart[codec] = relay.counters.restartToFirstPacketMs;
    await relay.stop();
  }
  return restart;
}

const PAGE = () => {
  window.pc = new RTCPeerConnection();
  window.cands = [];
  window.ecgLag = [];
  window.luma = [];
  pc.onicecandidate = (e) => e.candidate && cands.push(e.candidate.toJSON());
  pc.ontrack = (e) => {
    const el = document.createElement(e.track.kind);
    el.autoplay = true;
    el.muted = true;
    el.srcObject = new MediaStream([e.track]);
    document.body.appendChild(el);
    if (e.track.kind !== 'video') return;
    // The flash block sits in the bottom-right corner: its mean luma, for every frame shown.
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 18;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const onFrame = (now, meta) => {
      const w = el.videoWidth;
      const h = el.videoHeight;
      if (w > 0 && h > 0) {
        ctx.drawImage(el, w * 0.72, h * 0.7, w * 0.28, h * 0.3, 0, 0, 32, 18);
        const d = ctx.getImageData(0, 0, 32, 18).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
        luma.push([performance.timeOrigin + (meta.presentationTime ?? now), sum / (d.length / 4)]);
      }
      el.requestVideoFrameCallback(onFrame);
    };
    el.requestVideoFrameCallback(onFrame);
  };
  pc.ondatachannel = (e) => {
    const dc = e.channel;
    if (dc.label === 'ecg')
      dc.onmessage = (m) => {
        const c = JSON.parse(m.data);
        // The newest sample of the chunk: how long it took from being read to being in the page.
        ecgLag.push(Date.now() - (c.t0 + (c.samples.length - 1) * c.periodMs));
      };
    if (dc.label === 'ptz') window.ptz = dc;
  };
};

/** First frame at or above the threshold after each flash, within the flash's period. */
function glassToGlass(flashes, luma, periodMs) {
  const values = luma.map(([, l]) => l);
  const lo = pct(values, 5);
  const hi = pct(values, 99);
  const threshold = (lo + hi) / 2;
  const lat = [];
  for (const t of flashes) {
    const hit = luma.find(([at, l]) => at >= t && at < t + periodMs && l >= threshold);
    if (hit) lat.push(hit[0] - t);
  }
  return { lat, contrast: [lo, hi] };
}

async function session({ gw, browser, camera, stream, live, codec, name, ptz, flashes }) {
  let onDown = null;
  let page = null;
  const link = {
    async publish(up) {
      if (up.type === 'offer') {
        const sdp = await page.evaluate(async (o) => {
          await pc.setRemoteDescription({ type: 'offer', sdp: o });
          const a = await pc.createAnswer();
          await pc.setLocalDescription(a);
          return a.sdp;
        }, up.sdp);
        onDown(Buffer.from(JSON.stringify({ v: 1, type: 'answer', sessionId: up.sessionId, sdp })));
        setTimeout(async () => {
          for (const c of await page.evaluate(() => cands))
            onDown(Buffer.from(JSON.stringify({ v: 1, type: 'ice', sessionId: up.sessionId, candidate: c })));
        }, 500);
      } else if (up.type === 'ice') await page.evaluate((c) => pc.addIceCandidate(c), up.candidate);
    },
    onDown(h) {
      onDown = h;
      return () => undefined;
    },
  };
  const agent = new gw.TeleconsultAgent({
    gatewayId: 'cart-bench',
    link,
    media: gw.Value.Default(gw.MediaConfig, { video: { codec }, audio: { source: 'test' }, ice: { hostAddresses: ['127.0.0.1'] } }),
    camera: { url: camera.deviceServiceUrl, streamUri: stream.uri, username: 'admin', password: 'admin', deadManMs: 1000 },
    stethoscope: {},
    live,
  });
  page = await browser.newPage();
  await page.route('http://localhost/**', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html>' }));
  await page.goto('http://localhost/');
  await page.evaluate(async () => {
    for (const t of (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks()) t.stop();
  });
  await page.evaluate(PAGE);
  const sessionId = crypto.randomUUID();
  onDown(
    Buffer.from(
      JSON.stringify({
        v: 1,
        type: 'start',
        sessionId,
        specialist: { id: 'dr', name: 'Dr' },
        media: { video: true, audio: true, ecg: true },
      }),
    ),
  );
  for (let i = 0; agent.status().peer?.state !== 'connected'; i++) {
    if (i > 400) throw new Error(`${name}: the peer did not connect`);
    await sleep(50);
  }
  await sleep(2000);

  const pids = () => [process.pid, ...agent.mediaPids()];
  const cpu0 = pids().reduce((a, p) => a + cpuTicks(p), 0);
  const at0 = Date.now();
  const rss = [];
  const rssTimer = setInterval(() => rss.push(pids().reduce((a, p) => a + rssKb(p), 0) / 1024), 500);

  const rtts = ptz
    ? await page.evaluate(async () => {
        const out = [];
        await new Promise((r) => setTimeout(r, 200));
        for (let seq = 1; seq <= 200; seq++) {
          const t0 = performance.now();
          await new Promise((resolve) => {
            ptz.onmessage = (m) => JSON.parse(m.data).seq === seq && resolve();
            ptz.send(JSON.stringify({ op: 'status', seq }));
          });
          out.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 40));
        }
        return out;
      })
    : [];

  // Flashes: 250 ms on, then off; one every 700 ms, at a random phase against the camera's frames.
  const periodMs = 700;
  await page.evaluate(() => {
    luma.length = 0;
  });
  const lit = [];
  for (let i = 0; i < flashes; i++) {
    await sleep(Math.random() * 67);
    lit.push(stream.flash(true));
    await sleep(250);
    stream.flash(false);
    await sleep(periodMs - 250 - 67);
  }
  await sleep(500);
  clearInterval(rssTimer);
  const cpuPct = ((pids().reduce((a, p) => a + cpuTicks(p), 0) - cpu0) / TICK / ((Date.now() - at0) / 1000)) * 100;
  const luma = await page.evaluate(() => luma);
  const g2g = glassToGlass(lit, luma, periodMs - 67);
  const ecgLag = await page.evaluate(() => ecgLag.slice(20));
  const stats = agent.status().peer?.stats;
  const frames = await page.evaluate(async () => {
    let f = 0;
    for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded;
    return f;
  });
  await agent.close();
  await page.close();
  return {
    rtts,
    ecgLag,
    g2g: g2g.lat,
    summary: {
      name,
      cpuPct: Number(cpuPct.toFixed(0)),
      rssP50: pct(rss, 50),
      rssMax: Number(Math.max(...rss).toFixed(0)),
      videoMode: stats?.videoMode,
      videoCodec: stats?.videoCodec,
      videoKbps: stats?.videoBitrateKbps,
      remb: stats?.remb,
      fractionLost: stats?.fractionLost,
      restarts: stats?.video?.restarts,
      plis: stats?.plis,
      frames,
      flashes,
      flashesSeen: g2g.lat.length,
      lumaRange: g2g.contrast,
    },
  };
}

async function inside() {
  const gw = await import('@telecart/gateway');
  const sim = await import('@telecart/firmware-sim');
  const { Value } = await import('@sinclair/typebox/value');
  const { chromium } = await import('playwright-core');
  const G = { ...gw, Value };
  const flashes = Number(process.env.TELECART_BENCH_FLASHES ?? 24);

  const restart = await restartCost(gw);

  const camera = await sim.startSimCamera({ snapshots: false });
  const stream = await sim.startLiveStream({
    host: '127.0.0.1',
    width: 640,
    height: 360,
    fps: 15,
    bitrateKbps: 600,
    flash: true,
    position: () => camera.ptz.position(),
  });
  const live = new gw.LiveSampleBus();
  const syn = new sim.EcgSyn({ seed: 1, hrMean: 70 });
  // As the serial service does, stamped with the receive time; the samples due since the start are
  // sent on each tick, so the sample clock keeps to the wall clock whatever the timer's jitter.
  const period = 1000 / 256;
  const ecgStart = Date.now();
  let ecgSent = 0;
  const ecgTimer = setInterval(() => {
    const now = Date.now();
    const due = Math.floor((now - ecgStart) / period) - ecgSent;
    if (due <= 0) return;
    const rows = Array.from({ length: due }, () => [Math.round(syn.next() / 0.001714)]);
    ecgSent += due;
    live.emit('samples', {
      deviceId: 'serial:ecg',
      leads: ['II'],
      t0: ecgStart + (ecgSent - due) * period,
      periodMs: period,
      factor: 0.001714,
      rows,
    });
  }, 31);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_MEDIA_ARGS,
  });
  try {
    const common = { gw: G, browser, camera, stream, live, flashes };
    const h264 = await session({ ...common, codec: 'auto', name: 'H.264 passed through', ptz: true });
    const vp8 = await session({ ...common, codec: 'vp8', name: 'VP8 transcoded', ptz: false });
    const table = {
      'PTZ status round trip (ms)': row(h264.rtts),
      'ECG sample → page (ms)': row(h264.ecgLag),
      'glass to glass, H.264 passed through (ms)': row(h264.g2g),
      'glass to glass, VP8 transcoded (ms)': row(vp8.g2g),
      'VP8 restart → first RTP (ms)': row(restart.vp8),
      'H.264 restart → first RTP (ms)': row(restart.h264),
    };
    process.stdout.write(`${MARK}${JSON.stringify({ table, sessions: [h264.summary, vp8.summary] })}\n`);
  } finally {
    clearInterval(ecgTimer);
    // Something in the stack keeps a handle open after closing: bounded clean-up, then out.
    await Promise.race([Promise.all([browser.close(), stream.stop(), camera.stop()]), sleep(5000)]);
    process.exit(0);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.env[INSIDE]) await inside();
  else printTeleconsult(await benchTeleconsult());
}
