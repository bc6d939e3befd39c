// Two builds, one sitting: runs the same benchmarks from another checkout (built, e.g. the
// previous release's) and from this one, interleaved (base, current, current, base), and prints
// each figure for both with the ratio current / base. The machines are shared and noisy: only the
// ratio within this run means something.
//   npm run build && node bench/compare-builds.mjs <base checkout> [--quick]
// Each benchmark module is imported from its own checkout, so it measures that checkout's build.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const baseRoot = process.argv[2] ?? process.env.BENCH_BASE;
if (!baseRoot) {
  console.error('usage: node bench/compare-builds.mjs <base checkout, built> [--quick]');
  process.exit(2);
}
const quick = process.argv.includes('--quick');
const here = new URL('..', import.meta.url);
const roots = { base: pathToFileURL(`${resolve(baseRoot)}/`), current: here };

/** name, module, how to run it, and how to read its rows into { key: number }. */
const BENCHES = [
  {
    name: 'gateway store (per-reading commits vs group commit)',
    file: 'bench/group-commit.mjs',
    run: (m) => m.benchGroupCommit({ readings: quick ? 1500 : 4000 }),
    flat: (rows) => flatRows(rows, (r) => r.api),
  },
  {
    name: 'cloud store storeBatch (SQLite, PostgreSQL; quick run)',
    file: 'bench/cloud-store.mjs',
    run: (m) => m.benchCloudStore({ quick: true }),
    flat: (rows) => flatRows(rows, (r) => `${r.store} b${r.batch} w${r.writers}`),
  },
  {
    name: 'frames → gateway → MQTT → cloud → ack',
    file: 'bench/slice-throughput.mjs',
    run: (m) => m.benchSliceThroughput(quick ? { perFrame: 500, grouped: 5000, latencyFrames: 200 } : {}),
    flat: (r) => ({ ...flatRows(r.throughput, (x) => x.path), ...prefixed('cpu', r.cpu), ...prefixed('latency', r.latency) }),
  },
];

function prefixed(prefix, obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (typeof v === 'number') out[`${prefix} ${k}`] = v;
  return out;
}

function flatRows(rows, label) {
  const out = {};
  for (const [i, r] of rows.entries()) Object.assign(out, prefixed(String(label(r) ?? i), r));
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const b of BENCHES) {
  const mods = {};
  for (const [side, root] of Object.entries(roots)) {
    try {
      mods[side] = await import(new URL(b.file, root).href);
    } catch (e) {
      mods[side] = undefined;
      console.log(`(${b.name}: not in the ${side} checkout: ${e.message.split('\n')[0]})`);
    }
  }
  if (!mods.base || !mods.current) continue;
  const seen = { base: [], current: [] };
  for (const side of ['base', 'current', 'current', 'base']) seen[side].push(b.flat(await b.run(mods[side])));
  console.log(`\n## ${b.name}`);
  const keys = Object.keys(seen.current[0]).filter((k) => k in seen.base[0]);
  console.table(
    keys.map((k) => {
      const base = median(seen.base.map((s) => s[k]));
      const current = median(seen.current.map((s) => s[k]));
      return { figure: k, base, current, 'current / base': base ? Number((current / base).toFixed(2)) : null };
    }),
  );
}

// Cloud ingest µs per reading: the benchmark reads its build from BENCH_CLOUD_DIST when loaded,
// so each side is a separate module instance (the query string) loaded with its own setting.
console.log('\n## cloud ingest without the broker: validate + attribution + SQLite store, CPU µs per reading');
const ingest = { base: [], current: [] };
let n = 0;
for (const side of ['base', 'current', 'current', 'base']) {
  process.env.BENCH_CLOUD_DIST = side === 'base' ? resolve(baseRoot, 'cloud/dist') : resolve(new URL('cloud/dist', here).pathname);
  const m = await import(`${new URL('bench/ingest-store.mjs', here).href}?${side}-${n++}`);
  ingest[side].push(await m.benchIngestStore());
}
delete process.env.BENCH_CLOUD_DIST;
const ik = Object.keys(ingest.current[0]).filter((k) => typeof ingest.current[0][k] === 'number');
console.table(
  ik.map((k) => {
    const base = median(ingest.base.map((s) => s[k]));
    const current = median(ingest.current.map((s) => s[k]));
    return { figure: k, base, current, 'current / base': base ? Number((current / base).toFixed(2)) : null };
  }),
);
