// More than two in an act (docs/conversation.md, "More than two"): four participants (the cart's
// browser, the specialist, two guests), each a headless Chromium of its own with a camera and a
// microphone, exchanging the conversation under the project's caps (Opus ≤ 32 kbit/s, video
// ≤ 250 kbit/s, 15 frames/s, ≤ 360 lines; ui/src/browser/conversation.ts), in two topologies:
//
//   mesh  every pair has its own peer connection: each browser encodes and uploads its camera and
//         microphone once per other participant (three times with four);
//   sfu   each browser has one peer connection with the cloud's forwarding unit on werift
//         (cloud/src/media/forwarding-unit, built; bench/support/forwarding-unit-child.mjs runs it
//         in its own process): it uploads once and receives the others' streams.
//
// Measured per participant over a steady window: uplink and downlink kbit/s (the transport's bytes,
// so SRTP, RTCP and retransmissions included), the number of video encoders and the time they
// spend encoding (totalEncodeTime), frames decoded per second, the browser's CPU (its whole process
// tree, % of one core); and for the SFU its CPU and kbit/s in and out. The frames decoded per second
// are also given per received video (min and max over the three), so one stream that does not
// decode is not hidden by the others' total. Signaling is not measured
// (non-trickle offers and answers passed by the bench). On lo inside a network namespace made for
// the run; needs root and the Debian chromium, else says so and measures nothing.
//
//   `node bench/participants.mjs` prints the tables; bench/index.mjs calls benchParticipants().
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_MEDIA_ARGS, INSIDE, resultMark, runInNamespace } from './support/in-namespace.mjs';
import { TICK, treeTicks } from './support/proc-tree.mjs';

const MARK = resultMark('participants');
const PARTIES = ['cart', 'specialist', 'guest 1', 'guest 2'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the measurement in a fresh namespace; { skipped } when this machine cannot. */
export async function benchParticipants(opts = {}) {
  return runInNamespace({
    name: 'participants',
    prefix: 'ptbench',
    script: fileURLToPath(import.meta.url),
    env: { TELECART_BENCH_SECONDS: String(opts.seconds ?? 20) },
  });
}

export function printParticipants(r) {
  console.log('\n## Four participants: mesh vs a werift forwarding unit (Chromium fake camera+microphone on lo, conversation caps)');
  if (r.skipped) {
    console.log(r.skipped);
    return;
  }
  console.table(r.mesh);
  console.table(r.sfu);
  console.table([r.unit]);
}

// ── inside the namespace ──

/** In every page: open the camera and microphone, and helpers for peer connections the bench drives. */
const INIT = () => {
  const w = window;
  w.__pcs = [];
  const caps = async (pc) => {
    for (const s of pc.getSenders()) {
      if (!s.track) continue;
      const p = s.getParameters();
      if (!p.encodings?.length) p.encodings = [{}];
      const e = p.encodings[0];
      if (s.track.kind === 'audio') {
        e.maxBitrate = 32_000;
        e.priority = 'high';
        e.networkPriority = 'high';
      } else {
        e.maxBitrate = 250_000;
        e.maxFramerate = 15;
      }
      await s.setParameters(p);
    }
  };
  const gathered = (pc) =>
    new Promise((r) => {
      if (pc.iceGatheringState === 'complete') r();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
    });
  w.__media = async () => {
    w.__stream ??= await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 15 } },
    });
    return w.__stream;
  };
  const sink = (pc) => {
    pc.addEventListener('track', (ev) => {
      const v = document.createElement(ev.track.kind === 'video' ? 'video' : 'audio');
      v.autoplay = true;
      v.muted = ev.track.kind !== 'audio';
      v.srcObject = new MediaStream([ev.track]);
      document.body.append(v);
    });
  };
  /** Mesh: one peer connection per other participant, sending the same camera and microphone. */
  w.__meshOffer = async (key) => {
    const s = await w.__media();
    const pc = new RTCPeerConnection();
    w.__pcs.push(pc);
    sink(pc);
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    w[`__pc_${key}`] = pc;
    return pc.localDescription.sdp;
  };
  w.__meshAnswer = async (sdp) => {
    const s = await w.__media();
    const pc = new RTCPeerConnection();
    w.__pcs.push(pc);
    sink(pc);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of s.getTracks()) pc.addTrack(t, s);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await caps(pc);
    return pc.localDescription.sdp;
  };
  w.__meshFinish = async (key, sdp) => {
    const pc = w[`__pc_${key}`];
    await pc.setRemoteDescription({ type: 'answer', sdp });
    await caps(pc);
  };
  /** SFU: one peer connection: send camera and microphone, receive two tracks per other participant. */
  w.__sfuOffer = async (others) => {
    const s = await w.__media();
    const pc = new RTCPeerConnection();
    w.__pcs.push(pc);
    sink(pc);
    pc.addTransceiver(s.getAudioTracks()[0], { direction: 'sendonly', streams: [s] });
    pc.addTransceiver(s.getVideoTracks()[0], { direction: 'sendonly', streams: [s] });
    for (let k = 0; k < others; k++) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    w.__sfu = pc;
    return pc.localDescription.sdp;
  };
  w.__sfuFinish = async (sdp, candidates) => {
    await w.__sfu.setRemoteDescription({ type: 'answer', sdp });
    for (const c of candidates) await w.__sfu.addIceCandidate(c);
    await caps(w.__sfu);
  };
  w.__connected = () => w.__pcs.length > 0 && w.__pcs.every((pc) => pc.connectionState === 'connected');
  /** Totals over every peer connection of the page (transport bytes; encode time; frames; audio energy). */
  w.__totals = async () => {
    const t = {
      tx: 0,
      rx: 0,
      encodeS: 0,
      encoders: 0,
      framesEncoded: 0,
      framesDecoded: 0,
      framesReceived: 0,
      plis: 0,
      audioEnergy: 0,
      videoIn: 0,
      /** framesDecoded per received video stream (by mid), for the per-stream rate. */
      perStream: {},
    };
    for (const [pcIndex, pc] of w.__pcs.entries()) {
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type === 'transport') {
          t.tx += s.bytesSent ?? 0;
          t.rx += s.bytesReceived ?? 0;
        } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
          t.encoders++;
          t.encodeS += s.totalEncodeTime ?? 0;
          t.framesEncoded += s.framesEncoded ?? 0;
        } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
          t.framesDecoded += s.framesDecoded ?? 0;
          t.framesReceived += s.framesReceived ?? 0;
          t.plis += s.pliCount ?? 0;
          if ((s.framesDecoded ?? 0) > 0) t.videoIn++;
          t.perStream[`${pcIndex}-${s.mid ?? s.ssrc}`] = s.framesDecoded ?? 0;
        } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          t.audioEnergy += s.totalAudioEnergy ?? 0;
        }
      }
    }
    return t;
  };
};

async function waitFor(what, fn, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return;
    await sleep(200);
  }
  throw new Error(`timed out: ${what}`);
}

/** Steady-state figures of every page (and the SFU process when given) over `seconds`. */
async function measure(parties, seconds, unit) {
  const read = () =>
    Promise.all(
      parties.map(async (p) => ({ at: Date.now(), ticks: treeTicks(p.pid), ...(await p.page.evaluate(() => window.__totals())) })),
    );
  const readUnit = async () => (unit ? { at: Date.now(), ...(await (await fetch(`${unit.url}/stats`)).json()) } : null);
  const a = await read();
  const ua = await readUnit();
  await sleep(seconds * 1000);
  const b = await read();
  const ub = await readUnit();
  const rows = parties.map((p, i) => {
    const s = (b[i].at - a[i].at) / 1000;
    const kbps = (x) => Math.round(((b[i][x] - a[i][x]) * 8) / s / 1000);
    return {
      participant: p.name,
      'uplink kbit/s': kbps('tx'),
      'downlink kbit/s': kbps('rx'),
      'video encoders': b[i].encoders,
      'encode ms/s': Math.round(((b[i].encodeS - a[i].encodeS) * 1000) / s),
      'videos decoded': b[i].videoIn,
      'frames decoded/s': Math.round((b[i].framesDecoded - a[i].framesDecoded) / s),
      'per video, min–max': perStreamRange(a[i].perStream, b[i].perStream, s),
      'audio energy grew': b[i].audioEnergy > a[i].audioEnergy,
      'frames received/s': Math.round((b[i].framesReceived - a[i].framesReceived) / s),
      'PLIs sent': b[i].plis,
      'browser CPU % of a core': Math.round(((b[i].ticks - a[i].ticks) / TICK / s) * 100),
    };
  });
  const unitRow =
    ua && ub
      ? {
          'SFU CPU % of a core': Number((((ub.cpuMs - ua.cpuMs) / (ub.at - ua.at)) * 100).toFixed(1)),
          'SFU in kbit/s (RTP)': Math.round(((ub.rxBytes - ua.rxBytes) * 8) / (ub.at - ua.at)),
          'SFU out kbit/s (RTP)': Math.round(((ub.txBytes - ua.txBytes) * 8) / (ub.at - ua.at)),
        }
      : null;
  return { rows, unitRow };
}

/** Frames decoded per second of the slowest and the fastest received video, e.g. '12–15'. */
function perStreamRange(a, b, seconds) {
  const rates = Object.keys(b).map((k) => ((b[k] ?? 0) - (a[k] ?? 0)) / seconds);
  if (rates.length === 0) return '—';
  return `${Math.round(Math.min(...rates))}–${Math.round(Math.max(...rates))}`;
}

async function inside() {
  const { chromium } = await import('playwright-core');
  const seconds = Number(process.env.TELECART_BENCH_SECONDS ?? 20);
  // getUserMedia needs a secure context: an empty page on 127.0.0.1.
  const http = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>participant</title><body></body>');
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${http.address().port}/`;
  const args = CHROMIUM_MEDIA_ARGS;
  const open = async () =>
    Promise.all(
      PARTIES.map(async (name) => {
        // A browser server of its own, so that its process tree (its CPU) is known.
        const server = await chromium.launchServer({ executablePath: CHROMIUM, args });
        const browser = await chromium.connect(server.wsEndpoint());
        const page = await browser.newPage();
        await page.addInitScript(INIT);
        await page.goto(origin);
        return { name, server, browser, page, pid: server.process().pid };
      }),
    );
  const closeAll = (ps) => Promise.all(ps.map((p) => p.server.close()));
  const result = {};
  let parties = await open();
  try {
    // Mesh: each pair offers once (the lower index offers).
    for (let i = 0; i < parties.length; i++) {
      for (let j = i + 1; j < parties.length; j++) {
        const key = `${i}-${j}`;
        const offer = await parties[i].page.evaluate((k) => window.__meshOffer(k), key);
        const answer = await parties[j].page.evaluate((sdp) => window.__meshAnswer(sdp), offer);
        await parties[i].page.evaluate(([k, sdp]) => window.__meshFinish(k, sdp), [key, answer]);
      }
    }
    await waitFor('mesh connected', async () =>
      (await Promise.all(parties.map((p) => p.page.evaluate(() => window.__connected())))).every(Boolean),
    );
    await sleep(5000); // the encoders ramp up to their caps
    result.mesh = (await measure(parties, seconds)).rows.map((r) => ({ topology: 'mesh', ...r }));
  } finally {
    await closeAll(parties);
  }

  const unitProc = spawn(process.execPath, [fileURLToPath(new URL('./support/forwarding-unit-child.mjs', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      unitProc.stdout.on('data', (d) => {
        out += d.toString();
        const m = /@@sfu (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      unitProc.once('exit', (c) => reject(new Error(`the SFU exited (${c})`)));
    });
    const unit = { url: `http://127.0.0.1:${port}` };
    parties = await open();
    try {
      for (let i = 0; i < parties.length; i++) {
        const others = PARTIES.map((_, k) => k).filter((k) => k !== i);
        const offer = await parties[i].page.evaluate((n) => window.__sfuOffer(n), others.length);
        const res = await fetch(`${unit.url}/join`, { method: 'POST', body: JSON.stringify({ id: i, others, sdp: offer }) });
        if (!res.ok) throw new Error(`SFU join: ${res.status} ${await res.text()}`);
        const { sdp, candidates } = await res.json();
        await parties[i].page.evaluate(([s, c]) => window.__sfuFinish(s, c), [sdp, candidates]);
      }
      await waitFor('sfu connected', async () =>
        (await Promise.all(parties.map((p) => p.page.evaluate(() => window.__connected())))).every(Boolean),
      );
      await sleep(5000);
      const m = await measure(parties, seconds, unit);
      result.sfu = m.rows.map((r) => ({ topology: 'sfu', ...r }));
      result.unit = { participants: parties.length, ...m.unitRow };
    } finally {
      await closeAll(parties);
    }
  } finally {
    unitProc.stdin.end();
    unitProc.kill();
    http.close();
  }
  result.load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(MARK + JSON.stringify(result));
}

if (process.env[INSIDE]) {
  await inside();
  process.exit(0);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchParticipants();
  printParticipants(r);
  if (r.load) console.log(`load average at the end: ${r.load}`);
}
