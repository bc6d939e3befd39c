// The gateway's footprint (issue 14 part 4): what each dependency costs to load, and the running
// gateway of the demo (every simulated device attached, no act) — resident memory while idle and
// the time from process start to ready — then in the demo's act: the demo's nurse calls the
// specialist a minute after start; this script logs in as the demo's specialist, joins on the
// cloud's /consult/ws as the consult page does and answers with a werift peer of its own, and
// samples the gateway while the camera video, stethoscope audio and ECG flow. Baseline in the
// same run: a bare `node` process.
//
//   node bench/gateway-footprint.mjs [--idle-seconds 30] [--runs 3] [--demo-runs 3] [--json]
//
// Needs the build (npm run build). The demo's simulators run as their own processes: only the
// gateway process is measured (VmRSS from /proc), never its children.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'cli/dist/main.js');

/** What the gateway loads at start, heaviest suspects first; `@telecart/gateway` is all of it. */
const MODULES = [
  'werift',
  'mqtt',
  'fastify',
  'node-ble',
  'prom-client',
  'pino',
  'better-sqlite3',
  '@sinclair/typebox/compiler',
  '@telecart/protocol',
  '@telecart/devices',
  '@telecart/gateway',
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const mib = (bytes) => bytes / 2 ** 20;

/** One fresh process: RSS before and after importing `mod` (none: the bare baseline), and the import time. */
function importCost(mod) {
  const code = `
    const before = process.memoryUsage().rss; const t = performance.now();
    ${mod ? `await import(${JSON.stringify(mod)});` : ''}
    const ms = performance.now() - t; const after = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ before, after, ms }));`;
  // From the gateway workspace: the modules resolve as the gateway resolves them.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: join(ROOT, 'gateway'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing ${mod}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function benchImportCosts(runs = 3) {
  const rows = [];
  for (const mod of [null, ...MODULES]) {
    const samples = Array.from({ length: runs }, () => importCost(mod));
    rows.push({
      module: mod ?? '(bare node)',
      'RSS after MiB': Number(mib(median(samples.map((s) => s.after))).toFixed(1)),
      'added MiB': Number(mib(median(samples.map((s) => s.after - s.before))).toFixed(1)),
      'load ms': Math.round(median(samples.map((s) => s.ms))),
    });
  }
  return rows;
}

function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The demo's gateway process: its command line runs `gateway --config <this run's config>`. */
function findGateway(config) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv.includes('gateway') && argv.includes(config)) return Number(d);
    } catch {
      /* gone */
    }
  }
  return null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The RSS of `pid`'s child processes (the act's GStreamer pipelines), MiB. */
function childrenRssMiB(pid) {
  let kib = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kib += rssKiB(Number(d));
    } catch {
      /* gone */
    }
  }
  return kib / 1024;
}

/**
 * The demo's act seen from the specialist's side: log in, wait for the nurse's call in the waiting
 * room, join, answer the cart's offer with a werift peer (receive only), until the cart says
 * 'connected'. Resolves { close, joinToConnectedMs }.
 */
async function joinDemoAct(cloudUrl, { id, password }) {
  const r = await fetch(new URL('api/specialist/login', cloudUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, password }),
  });
  if (r.status !== 200) throw new Error(`specialist login: HTTP ${r.status}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  const origin = new URL(cloudUrl).origin;
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/consult/ws`, { headers: { cookie, origin } });
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  const pc = new RTCPeerConnection();
  let sessionId = null;
  let joinedAt = 0;
  const connected = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the act did not connect within 90 s')), 90_000);
    // One message after the other: a candidate must not reach the peer before the offer it follows.
    let chain = Promise.resolve();
    ws.on('message', (d) => {
      chain = chain.then(() => handle(JSON.parse(d.toString()))).catch(reject);
    });
    const handle = async (m) => {
      if (m.type === 'waiting-room' && !sessionId) {
        const waiting = m.sessions.find((s) => s.status === 'waiting');
        if (!waiting) return;
        sessionId = waiting.sessionId;
        joinedAt = performance.now();
        ws.send(JSON.stringify({ type: 'join', sessionId }));
      } else if (m.type === 'offer' && m.sessionId === sessionId) {
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        ws.send(JSON.stringify({ type: 'answer', sessionId, sdp: pc.localDescription.sdp }));
      } else if (m.type === 'ice' && m.sessionId === sessionId) {
        await pc.addIceCandidate(m.candidate);
      } else if (m.type === 'state' && m.sessionId === sessionId && m.state === 'connected') {
        clearTimeout(timer);
        resolve(performance.now() - joinedAt);
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`consult ws: ${m.message}`));
      }
    };
  });
  pc.onIceCandidate.subscribe((c) => {
    if (c && sessionId)
      ws.send(
        JSON.stringify({
          type: 'ice',
          sessionId,
          candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null },
        }),
      );
  });
  let bytes = 0;
  const counted = new Set();
  const byKind = {};
  const count = (t) => {
    if (counted.has(t)) return;
    counted.add(t);
    t.onReceiveRtp.subscribe((p) => {
      bytes += p.payload.length;
      byKind[t.kind] = (byKind[t.kind] ?? 0) + p.payload.length;
    });
  };
  pc.onTrack.subscribe(count);
  pc.onRemoteTransceiverAdded.subscribe((tr) => tr.onTrack.subscribe(count));
  pc.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((m) => (bytes += typeof m === 'string' ? m.length : m.byteLength)));
  const joinToConnectedMs = await connected;
  return {
    joinToConnectedMs,
    receivedBytes: () => bytes,
    byKind,
    async close() {
      if (sessionId) ws.send(JSON.stringify({ type: 'hangup', sessionId }));
      await pc.close();
      ws.close();
    },
  };
}

/**
 * Runs `telecart demo --temp`, measures its gateway for `idleSeconds` once its devices are up,
 * then (actSeconds > 0) during the demo's act, stops it.
 */
export async function benchDemoGateway({ idleSeconds = 30, actSeconds = 0, devices: wanted = 6 } = {}) {
  const demo = spawn(process.execPath, [CLI, 'demo', '--temp', '--http-port', '0', '--mqtt-port', '0', '--gateway-http-port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout.on('data', (b) => {
    out += b;
  });
  demo.stderr.on('data', (b) => {
    out += b;
  });
  const exited = new Promise((r) => demo.once('exit', r));
  try {
    for (let i = 0; !out.includes('Press Ctrl-C to stop.'); i++) {
      if (demo.exitCode !== null || i > 1800) throw new Error(`the demo did not come up:\n${out}`);
      await sleep(100);
    }
    const config = /--config (\S+gateway\.demo\.yaml)/.exec(out)?.[1];
    const nurse = /nurse UI \(the cart\): +(\S+)/.exec(out)?.[1];
    const pid = config ? findGateway(config) : null;
    if (!pid || !nurse) throw new Error(`no gateway process found:\n${out}`);
    // Idle means with its devices attached: the BLE ones connect some seconds after ready.
    let devices = 0;
    for (let i = 0; i < 120; i++) {
      const status = await (await fetch(new URL('api/status', nurse))).json();
      devices = Array.isArray(status.devices) ? status.devices.length : 0;
      if (devices >= wanted) break;
      await sleep(500);
    }
    const log = readFileSync(join(dirname(config), 'logs', 'gateway.log'), 'utf8');
    const readyMs = Number(/ready (\d+) ms after start/.exec(log)?.[1] ?? Number.NaN);
    const samples = [];
    for (let t = 0; t < idleSeconds * 2; t++) {
      samples.push(rssKiB(pid) / 1024);
      await sleep(500);
    }
    const idle = {
      devices,
      'idle RSS p50 MiB': Number(median(samples).toFixed(1)),
      'idle RSS max MiB': Number(Math.max(...samples).toFixed(1)),
      'ready ms': readyMs,
    };
    if (actSeconds <= 0) return idle;
    const consult = /specialist page: +(\S+)\/consult +\(demo login: (\S+) \/ (\S+)\)/.exec(out);
    if (!consult) throw new Error(`no specialist page in the demo's output:\n${out}`);
    const act = await joinDemoAct(consult[1], { id: consult[2], password: consult[3] });
    try {
      const inAct = [];
      const children = [];
      for (let t = 0; t < actSeconds * 2; t++) {
        inAct.push(rssKiB(pid) / 1024);
        children.push(childrenRssMiB(pid));
        await sleep(500);
      }
      if (act.receivedBytes() === 0) throw new Error('the act connected but no media arrived');
      return {
        ...idle,
        'act RSS p50 MiB': Number(median(inAct).toFixed(1)),
        'act RSS max MiB': Number(Math.max(...inAct).toFixed(1)),
        'act children RSS p50 MiB': Number(median(children).toFixed(1)),
        'join → connected ms': Math.round(act.joinToConnectedMs),
        'act media kbit/s': Math.round((act.receivedBytes() * 8) / 1000 / actSeconds),
        'act video kbit/s': Math.round(((act.byKind.video ?? 0) * 8) / 1000 / actSeconds),
      };
    } finally {
      await act.close();
    }
  } finally {
    demo.kill('SIGINT');
    await exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'idle-seconds': { type: 'string', default: '30' },
      runs: { type: 'string', default: '3' },
      'demo-runs': { type: 'string', default: '3' },
      'act-seconds': { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
  });
  const imports = benchImportCosts(Number(values.runs));
  const runs = [];
  for (let i = 0; i < Number(values['demo-runs']); i++) {
    runs.push(await benchDemoGateway({ idleSeconds: Number(values['idle-seconds']), actSeconds: Number(values['act-seconds']) }));
  }
  const bare = imports[0]['RSS after MiB'];
  const p50 = median(runs.map((r) => r['idle RSS p50 MiB']));
  const summary = {
    runs: runs.length,
    'idle RSS p50 MiB, median of runs': p50,
    'ready ms, median of runs': median(runs.map((r) => r['ready ms'])),
    'act RSS p50 MiB, median of runs': median(runs.map((r) => r['act RSS p50 MiB'])),
    'idle RSS / bare node': Number((p50 / bare).toFixed(2)),
    'load average (1 min)': Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  };
  if (values.json) console.log(JSON.stringify({ imports, gateway: runs, summary }));
  else {
    console.table(imports);
    console.table(runs);
    console.table([summary]);
  }
}
