// The gateway's footprint (issue 14 part 4): what each dependency costs to load, and the running
// gateway of the demo (every simulated device attached, no act) — resident memory while idle and
// the time from process start to ready — then in the demo's act: the demo's nurse calls the
// specialist a minute after start; this script logs in as the demo's specialist, joins on the
// cloud's /consult/ws as the consult page does and answers with a werift peer of its own, and
// samples the gateway while the camera video, stethoscope audio and ECG flow. Baseline in the
// same run: a bare `node` process.
//
//   node bench/gateway-footprint.mjs [--idle-seconds 30] [--runs 3] [--demo-runs 3] [--json]
//   node bench/gateway-footprint.mjs --starts 3    (the gateway alone: start to ready, its CPU and
//                                                   memory, bundled and from the modules)
//   node bench/gateway-footprint.mjs --breakdown   (one demo: where the idle gateway's memory goes;
//                                                   each import's cost in the gateway's order)
//   node bench/gateway-footprint.mjs --compare-flags [--rounds 2] [--frames 10000 (0: memory only)] [--only 3,5]
//                                                  (the demo's idle gateway and the burst path's CPU
//                                                   per reading under each Node flag combination,
//                                                   interleaved, as ratios to the first)
//
// Needs the build (npm run build). The demo's simulators run as their own processes: only the
// gateway process is measured (VmRSS from /proc), never its children.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/**
 * The same modules imported one after the other into one process, in the order the gateway's own
 * imports reach them, then the CLI's gateway command: resident memory and V8 heap added by each
 * step (what is shared is counted once, by the first module that loads it), and the time.
 */
const CUMULATIVE = [
  '@sinclair/typebox/compiler',
  '@telecart/protocol',
  '@telecart/devices',
  'better-sqlite3',
  'pino',
  'prom-client',
  'mqtt',
  'node-ble',
  'fastify',
  '@telecart/gateway',
  pathToFileURL(join(ROOT, 'cli/dist/commands/gateway.js')).href,
];

export function benchCumulativeImports(runs = 3) {
  const code = `
    const mods = ${JSON.stringify(CUMULATIVE)}; const steps = [];
    globalThis.gc(); let m = process.memoryUsage(); let t = performance.now();
    steps.push({ module: '(bare node)', rss: m.rss, heap: m.heapUsed, ms: 0 });
    for (const mod of mods) {
      await import(mod); globalThis.gc();
      const n = process.memoryUsage(); const now = performance.now();
      steps.push({ module: mod, rss: n.rss - m.rss, heap: n.heapUsed - m.heapUsed, ms: now - t });
      m = n; t = now;
    }
    steps.push({ module: '(total)', rss: m.rss, heap: m.heapUsed, ms: performance.now() });
    process.stdout.write(JSON.stringify(steps));`;
  const samples = Array.from({ length: runs }, () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=2', '--input-type=module', '-e', code], {
      cwd: join(ROOT, 'gateway'),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`cumulative imports: ${r.stderr}`);
    return JSON.parse(r.stdout);
  });
  return samples[0].map((step, i) => ({
    module: step.module.startsWith('file:') ? 'cli gateway command' : step.module,
    'RSS added MiB': Number(mib(median(samples.map((s) => s[i].rss))).toFixed(1)),
    'heap used added MiB': Number(mib(median(samples.map((s) => s[i].heap))).toFixed(1)),
    ms: Math.round(median(samples.map((s) => s[i].ms))),
  }));
}

/**
 * One demo run whose gateway carries bench/support/memory-probe.mjs: in the idle window it is
 * asked (SIGUSR2) where its resident memory goes. Also the same figures for a bare node process.
 */
export async function benchBreakdown({ idleSeconds = 20 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-probe-'));
  try {
    let report = null;
    const idle = await benchDemoGateway({
      idleSeconds,
      env: {
        NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'bench/support/memory-probe.mjs')).href}`,
        TELECART_BENCH_PROBE_DIR: dir,
      },
      onIdle: async (pid) => {
        const file = join(dir, `gateway-${pid}.json`);
        process.kill(pid, 'SIGUSR2');
        for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
        report = JSON.parse(readFileSync(file, 'utf8'));
      },
    });
    if (!report) throw new Error('the gateway wrote no memory report');
    const bare = spawnSync(
      process.execPath,
      [
        '--max-semi-space-size=2',
        '-e',
        `const f=require('fs');setTimeout(()=>{process.stdout.write(JSON.stringify({mu:process.memoryUsage(),rollup:f.readFileSync('/proc/self/smaps_rollup','utf8')}))},500)`,
      ],
      { encoding: 'utf8' },
    );
    const bareOut = JSON.parse(bare.stdout);
    const kib = (name, text) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const r = report;
    const spaces = Object.fromEntries(r.heapSpaces.map((s) => [s.space_name, s]));
    const topMaps = Object.entries(r.smapsKiB)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, k]) => ({ mapping: name, 'RSS MiB': Number((k / 1024).toFixed(1)) }));
    const f = (bytes) => Number(mib(bytes).toFixed(1));
    return {
      idle,
      rows: [
        { what: 'VmRSS (process.memoryUsage().rss)', MiB: f(r.memoryUsage.rss), 'bare node MiB': f(bareOut.mu.rss) },
        {
          what: 'V8 heap used / total',
          MiB: `${f(r.heap.used_heap_size)} / ${f(r.heap.total_heap_size)}`,
          'bare node MiB': `${f(bareOut.mu.heapUsed)} / ${f(bareOut.mu.heapTotal)}`,
        },
        {
          what: '  after a full GC: used / total (RSS)',
          MiB: `${f(r.afterGc.heap.used_heap_size)} / ${f(r.afterGc.heap.total_heap_size)} (${f(r.afterGc.memoryUsage.rss)})`,
          'bare node MiB': '',
        },
        ...['new_space', 'old_space', 'code_space', 'large_object_space', 'trusted_space', 'shared_large_object_space']
          .filter((n) => spaces[n])
          .map((n) => ({
            what: `  ${n} used / committed`,
            MiB: `${f(spaces[n].space_used_size)} / ${f(spaces[n].physical_space_size)}`,
            'bare node MiB': '',
          })),
        {
          what: '  compiled code + metadata (heap code statistics)',
          MiB: f(r.heapCode.code_and_metadata_size + r.heapCode.bytecode_and_metadata_size),
          'bare node MiB': '',
        },
        { what: '  source text of scripts (external script source)', MiB: f(r.heapCode.external_script_source_size), 'bare node MiB': '' },
        { what: 'external (Buffers, native objects V8 knows of)', MiB: f(r.memoryUsage.external), 'bare node MiB': f(bareOut.mu.external) },
        { what: '  of which ArrayBuffers', MiB: f(r.memoryUsage.arrayBuffers), 'bare node MiB': f(bareOut.mu.arrayBuffers) },
        {
          what: 'shared, file-backed (Shared_Clean)',
          MiB: f(r.smapsRollupKiB.Shared_Clean * 1024),
          'bare node MiB': f(kib('Shared_Clean', bareOut.rollup) * 1024),
        },
        {
          what: 'private, file-backed clean (Private_Clean)',
          MiB: f(r.smapsRollupKiB.Private_Clean * 1024),
          'bare node MiB': f(kib('Private_Clean', bareOut.rollup) * 1024),
        },
        {
          what: 'anonymous (heap, malloc, stacks)',
          MiB: f(r.smapsRollupKiB.Anonymous * 1024),
          'bare node MiB': f(kib('Anonymous', bareOut.rollup) * 1024),
        },
        { what: 'PSS', MiB: f(r.smapsRollupKiB.Pss * 1024), 'bare node MiB': f(kib('Pss', bareOut.rollup) * 1024) },
      ],
      mappings: topMaps,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time (user + system) the process `pid` has used so far, ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Starts of a gateway alone (home kit configuration, BLE off, no cloud listening: ready must not
 * wait for it): start to ready (its own `readyAfterMs`), the CPU it used until then, and its
 * resident memory `settleSeconds` after ready. `from`: 'bundle' runs `telecart gateway` (its bundle
 * when built), 'modules' runs the same command from the tsc output.
 */
export async function benchStarts({ runs = 3, from = 'bundle', nodeFlags = ['--max-semi-space-size=2'], settleSeconds = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-starts-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    'gatewayId: start-1\nmode: home\nhomePatientId: p1\ntimeZone: UTC\nble: { enabled: false }\npatients: [{ id: p1, family: START, given: Test }]\n',
  );
  const opts = { config, dataDir: join(dir, 'data'), cloud: 'mqtt://127.0.0.1:9', httpPort: 0 };
  const args =
    from === 'bundle'
      ? [CLI, 'gateway', '--config', opts.config, '--data-dir', opts.dataDir, '--cloud', opts.cloud, '--http-port', '0']
      : [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'cli/dist/commands/gateway.js')).href)}); await m.runGatewayCommand(${JSON.stringify(opts)});`,
        ];
  const rows = [];
  try {
    for (let i = 0; i < runs; i++) {
      const child = spawn(process.execPath, [...nodeFlags, ...args], {
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        env: { ...process.env, TELECART_LOG_LEVEL: 'warn' },
      });
      const exited = new Promise((r) => child.once('exit', r));
      try {
        const readyMs = await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the gateway was not ready within 120 s')), 120_000);
          child.on('message', (m) => {
            if (m?.type === 'ready') {
              clearTimeout(timer);
              resolve(m.info.readyAfterMs);
            }
          });
          child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before ready`)));
        });
        const cpu = cpuMs(child.pid);
        await sleep(settleSeconds * 1000);
        rows.push({
          from,
          'ready ms': readyMs,
          'CPU to ready ms': Math.round(cpu),
          'RSS MiB': Number((rssKiB(child.pid) / 1024).toFixed(1)),
        });
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
export async function benchDemoGateway({ idleSeconds = 30, actSeconds = 0, devices: wanted = 6, env = {}, onIdle } = {}) {
  const demo = spawn(process.execPath, [CLI, 'demo', '--temp', '--http-port', '0', '--mqtt-port', '0', '--gateway-http-port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
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
    // After the samples: the memory probe's full collection must not lower them.
    await onIdle?.(pid);
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
      const cpu0 = cpuMs(pid);
      const wall0 = performance.now();
      for (let t = 0; t < actSeconds * 2; t++) {
        inAct.push(rssKiB(pid) / 1024);
        children.push(childrenRssMiB(pid));
        await sleep(500);
      }
      // The gateway's own CPU during the act (its GStreamer children apart), % of one core.
      const actCpuPct = ((cpuMs(pid) - cpu0) / (performance.now() - wall0)) * 100;
      if (act.receivedBytes() === 0) throw new Error('the act connected but no media arrived');
      return {
        ...idle,
        'act RSS p50 MiB': Number(median(inAct).toFixed(1)),
        'act RSS max MiB': Number(Math.max(...inAct).toFixed(1)),
        'act children RSS p50 MiB': Number(median(children).toFixed(1)),
        'act gateway CPU %': Math.round(actCpuPct),
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

/**
 * Node flag combinations for the gateway process compared by --compare-flags: the first is the
 * baseline (what cli/src/runtime/gateway-node-flags.ts uses); `env` is added to the demo's
 * environment (the gateway inherits it) and to the burst bench's.
 */
export const FLAG_COMBINATIONS = [
  { name: 'semi-space 2 + lite-mode (used)', flags: ['--max-semi-space-size=2', '--lite-mode'] },
  { name: 'semi-space 2', flags: ['--max-semi-space-size=2'] },
  {
    name: 'semi-space 2 + interpreter only, regexp JIT kept',
    flags: ['--max-semi-space-size=2', '--no-opt', '--no-sparkplug', '--optimize-for-size'],
  },
  {
    name: 'semi-space 2 + lite-mode + MALLOC_ARENA_MAX=2',
    flags: ['--max-semi-space-size=2', '--lite-mode'],
    env: { MALLOC_ARENA_MAX: '2' },
  },
  { name: 'semi-space 2 + lite-mode + single-threaded GC', flags: ['--max-semi-space-size=2', '--lite-mode', '--single-threaded-gc'] },
  { name: 'semi-space 2 + lite-mode + one V8 worker thread', flags: ['--max-semi-space-size=2', '--lite-mode', '--v8-pool-size=1'] },
];

/** The burst path's CPU per acked reading (bench/burst-parts.mjs) in a process run with `flags`. */
export function burstCpuPerReading(flags, env = {}, frames = 10_000) {
  const r = spawnSync(process.execPath, [...flags, join(ROOT, 'bench/burst-parts.mjs'), ROOT, String(frames), '--json'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`burst-parts ${flags.join(' ')}: ${r.stderr || r.stdout}`);
  return JSON.parse(line).gatewayUs;
}

/**
 * Each combination in turn, `rounds` times (interleaved: a loaded machine slows them alike): the
 * demo's idle gateway (resident memory, ready) and the burst path's CPU per reading; then per
 * combination the medians and their ratios to the first combination's.
 */
export async function benchCompareFlags({ rounds = 2, idleSeconds = 20, frames = 10_000, combinations = FLAG_COMBINATIONS } = {}) {
  // The first is the baseline of the ratios, even when a selection (--only) leaves it out.
  if (combinations[0] !== FLAG_COMBINATIONS[0]) combinations = [FLAG_COMBINATIONS[0], ...combinations];
  const runs = [];
  const loads = [];
  for (let r = 0; r < rounds; r++)
    for (const c of combinations) {
      const idle = await benchDemoGateway({ idleSeconds, env: { TELECART_GATEWAY_NODE_FLAGS: c.flags.join(' '), ...c.env } });
      const us = frames > 0 ? burstCpuPerReading(c.flags, c.env, frames) : null; // --frames 0: memory only
      loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      runs.push({
        name: c.name,
        round: r,
        'idle RSS p50 MiB': idle['idle RSS p50 MiB'],
        'ready ms': idle['ready ms'],
        'µs per reading': us,
      });
    }
  // The median of each combination's runs (of two: the lower), and every run's value beside it.
  const of = (name, key) => median(runs.filter((x) => x.name === name).map((x) => x[key]));
  const each = (name, key) =>
    runs
      .filter((x) => x.name === name)
      .map((x) => x[key])
      .join(', ');
  const base = combinations[0].name;
  const table = combinations.map((c) => ({
    combination: c.name,
    'idle RSS p50 MiB (runs)': each(c.name, 'idle RSS p50 MiB'),
    'idle RSS ratio': Number((of(c.name, 'idle RSS p50 MiB') / of(base, 'idle RSS p50 MiB')).toFixed(2)),
    'ready ms': of(c.name, 'ready ms'),
    'µs per reading (runs)': each(c.name, 'µs per reading'),
    'µs ratio': Number((of(c.name, 'µs per reading') / of(base, 'µs per reading')).toFixed(2)),
  }));
  return { runs, table, load: { min: Math.min(...loads), max: Math.max(...loads) } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'idle-seconds': { type: 'string', default: '30' },
      runs: { type: 'string', default: '3' },
      'demo-runs': { type: 'string', default: '3' },
      'act-seconds': { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
      breakdown: { type: 'boolean', default: false },
      starts: { type: 'string' },
      'compare-flags': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '2' },
      frames: { type: 'string', default: '10000' },
      only: { type: 'string' },
    },
  });
  if (values['compare-flags']) {
    const c = await benchCompareFlags({
      rounds: Number(values.rounds),
      idleSeconds: Number(values['idle-seconds']),
      frames: Number(values.frames),
      // --only 1,5: those combinations of FLAG_COMBINATIONS (0-based) besides the baseline
      ...(values.only
        ? {
            combinations: values.only
              .split(',')
              .map((i) => FLAG_COMBINATIONS[Number(i)])
              .filter(Boolean),
          }
        : {}),
    });
    if (values.json) console.log(JSON.stringify(c));
    else {
      console.table(c.runs);
      console.table(c.table);
      console.log(`load average (1 min) during the runs: ${c.load.min}–${c.load.max}`);
    }
    process.exit(0);
  }
  if (values.starts) {
    // Start to ready of the gateway alone, bundled and from the modules, interleaved.
    const rows = [];
    for (let i = 0; i < Number(values.starts); i++)
      for (const from of ['bundle', 'modules']) rows.push(...(await benchStarts({ runs: 1, from })));
    const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    if (values.json) console.log(JSON.stringify({ starts: rows, load }));
    else {
      console.table(rows);
      console.log(`load average (1 min): ${load}`);
    }
    process.exit(0);
  }
  if (values.breakdown) {
    // Where the idle gateway's memory goes, and what each import adds in the gateway's order.
    const b = await benchBreakdown({ idleSeconds: Number(values['idle-seconds']) });
    const cumulative = benchCumulativeImports(Number(values.runs));
    if (values.json) console.log(JSON.stringify({ ...b, cumulative }));
    else {
      console.table([b.idle]);
      console.table(b.rows);
      console.table(b.mappings);
      console.table(cumulative);
    }
    process.exit(0);
  }
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
    'act gateway CPU %, median of runs': median(runs.map((r) => r['act gateway CPU %'])),
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
