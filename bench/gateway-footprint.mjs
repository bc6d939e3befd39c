// The gateway's footprint (issue 14 part 4): what each dependency costs to load, and the running
// gateway of the demo (every simulated device attached, no act) — resident memory while idle and
// the time from process start to ready. Baseline in the same run: a bare `node` process.
//
//   node bench/gateway-footprint.mjs [--idle-seconds 30] [--runs 3] [--json]
//
// Needs the build (npm run build). The demo's simulators run as their own processes: only the
// gateway process is measured (VmRSS from /proc), never its children.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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

/** Runs `telecart demo --temp`, measures its gateway for `idleSeconds`, stops it. */
export async function benchDemoGateway({ idleSeconds = 30 } = {}) {
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
    const status = await (await fetch(new URL('api/status', nurse))).json();
    const devices = Array.isArray(status.devices) ? status.devices.length : null;
    const log = readFileSync(join(dirname(config), 'logs', 'gateway.log'), 'utf8');
    const readyMs = Number(/ready (\d+) ms after start/.exec(log)?.[1] ?? Number.NaN);
    const samples = [];
    for (let t = 0; t < idleSeconds * 2; t++) {
      samples.push(rssKiB(pid) / 1024);
      await sleep(500);
    }
    return {
      devices,
      'idle RSS p50 MiB': Number(median(samples).toFixed(1)),
      'idle RSS max MiB': Number(Math.max(...samples).toFixed(1)),
      'ready ms': readyMs,
    };
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
      json: { type: 'boolean', default: false },
    },
  });
  const imports = benchImportCosts(Number(values.runs));
  const gateway = await benchDemoGateway({ idleSeconds: Number(values['idle-seconds']) });
  const bare = imports[0]['RSS after MiB'];
  const summary = { ...gateway, 'idle RSS / bare node': Number((gateway['idle RSS p50 MiB'] / bare).toFixed(2)) };
  if (values.json) console.log(JSON.stringify({ imports, gateway: summary }));
  else {
    console.table(imports);
    console.table([summary]);
  }
}
