// `node bench/teleconsult.mjs` (after `npx tsc -b`; root, Chromium): a live teleconsultation between
// the gateway's TeleconsultAgent and headless Chromium, inside a network namespace with only lo
// (the script re-runs itself there). Prints:
//   - PTZ round trip browser → data channel → gateway → ONVIF camera (SOAP) → reply, p50/p95 (200 `status`)
//   - ECG latency: sample time (gateway clock) → chunk received in the page (same machine clock), p50/p95
//   - gateway CPU (this process + its GStreamer children) and RSS during a 15 s session
//   - encoder restart → first RTP packet (the cost of a bitrate change or forced keyframe with gst-launch)
// Figures and decisions: docs/teleconsult-media.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { EcgSyn, startSimCamera } from '@telecart/firmware-sim';
import { encoderArgs, LiveSampleBus, MediaConfig, RtpRelay, TeleconsultAgent } from '@telecart/gateway';
import { chromium } from 'playwright-core';

const NS = 'tcbench';
if (!process.env.TELECART_BENCH_NETNS) {
  spawnSync('ip', ['netns', 'del', NS]);
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TELECART_BENCH_NETNS: NS },
  });
  spawnSync('ip', ['netns', 'del', NS]);
  process.exit(r.status ?? 1);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1)) : null;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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

// ── encoder restart cost ──
const restart = {};
for (const codec of ['vp8', 'h264']) {
  const relay = new RtpRelay({
    kind: codec,
    clockRate: 90000,
    pipeline: (port) => [
      'videotestsrc',
      'is-live=true',
      'pattern=ball',
      '!',
      'video/x-raw,format=I420,width=640,height=360,framerate=15/1',
      '!',
      ...encoderArgs(codec, 500, 15),
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

// ── a session with Chromium ──
const camera = await startSimCamera({ stream: { width: 640, height: 360, fps: 15, bitrateKbps: 600 }, snapshots: false });
const live = new LiveSampleBus();
const syn = new EcgSyn({ seed: 1, hrMean: 70 });
// As the serial service does: each packet is stamped with its receive time.
const ecgTimer = setInterval(() => {
  const rows = Array.from({ length: 8 }, () => [Math.round(syn.next() / 0.001714)]);
  live.emit('samples', {
    deviceId: 'serial:ecg',
    leads: ['II'],
    t0: Date.now() - 7000 / 256,
    periodMs: 1000 / 256,
    factor: 0.001714,
    rows,
  });
}, 31.25);

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
const agent = new TeleconsultAgent({
  gatewayId: 'cart-bench',
  link,
  media: Value.Default(MediaConfig, { audio: { source: 'test' }, ice: { hostAddresses: ['127.0.0.1'] } }),
  camera: { url: camera.deviceServiceUrl, username: 'admin', password: 'admin', deadManMs: 1000 },
  stethoscope: {},
  live,
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ],
});
page = await browser.newPage();
await page.route('http://localhost/**', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html>' }));
await page.goto('http://localhost/');
await page.evaluate(async () => {
  (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks().forEach((x) => {
    x.stop();
  });
  window.pc = new RTCPeerConnection();
  window.cands = [];
  window.ecgLag = [];
  pc.onicecandidate = (e) => e.candidate && cands.push(e.candidate.toJSON());
  pc.ontrack = (e) => {
    const el = document.createElement(e.track.kind);
    el.autoplay = true;
    el.muted = true;
    el.srcObject = new MediaStream([e.track]);
    document.body.appendChild(el);
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
});
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
while (agent.status().peer?.state !== 'connected') await sleep(50);
await sleep(2000);

const pids = () => [process.pid, ...agent.mediaPids()];
const cpu0 = pids().reduce((a, p) => a + cpuTicks(p), 0);
const at0 = Date.now();
const rss = [];
const rssTimer = setInterval(() => rss.push(pids().reduce((a, p) => a + rssKb(p), 0) / 1024), 500);
const rtts = await page.evaluate(async () => {
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
});
await sleep(Math.max(0, 15_000 - (Date.now() - at0)));
clearInterval(rssTimer);
const cpuPct = ((pids().reduce((a, p) => a + cpuTicks(p), 0) - cpu0) / TICK / ((Date.now() - at0) / 1000)) * 100;
const ecgLag = await page.evaluate(() => ecgLag.slice(20));
const stats = agent.status().peer?.stats;
const frames = await page.evaluate(async () => {
  let f = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') f = s.framesDecoded;
  });
  return f;
});

console.log('\n## Teleconsultation (werift → Chromium on lo; camera 640x360@15 H.264 passed through; Opus 32 kbit/s; ECG 256 Hz)');
console.table({
  'PTZ status round trip (ms)': { p50: pct(rtts, 50), p95: pct(rtts, 95), n: rtts.length },
  'ECG sample → page (ms)': { p50: pct(ecgLag, 50), p95: pct(ecgLag, 95), n: ecgLag.length },
  'VP8 restart → first RTP (ms)': { p50: pct(restart.vp8, 50), p95: pct(restart.vp8, 95), n: restart.vp8.length },
  'H.264 restart → first RTP (ms)': { p50: pct(restart.h264, 50), p95: pct(restart.h264, 95), n: restart.h264.length },
});
console.log(
  `gateway process + GStreamer children: CPU ${cpuPct.toFixed(0)} % of one core, RSS p50 ${pct(rss, 50)} MB max ${Math.max(...rss).toFixed(0)} MB; ` +
    `video ${stats?.videoMode} ${stats?.videoCodec}, frames decoded ${frames}, ECG chunks ${stats?.ecgChunksSent}`,
);

clearInterval(ecgTimer);
await agent.close();
await browser.close();
await camera.stop();
