// CPU of a V8 profile (`node --cpu-prof`) split by area of the code: each sample goes to the first
// frame, from the leaf up, that belongs to a known area (a package or a directory of ours), so
// Node internals count for whoever called them. Native work with no JS caller (the OpenSSL
// handshake run from libuv, for instance) is "(program)". Used for the fleet's connect phase
// (docs/benchmarks.md, "Fleet"). Usage:
//   node bench/support/cpu-profile-areas.mjs <file.cpuprofile> [per=N]   (per: also ms per N units, e.g. gateways)
import { readFileSync } from 'node:fs';

const [file, perArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/support/cpu-profile-areas.mjs <file.cpuprofile> [per]');
  process.exit(2);
}
const AREAS = [
  ['topic matching (qlobber)', (u) => u.includes('/qlobber/')],
  ['aedes persistence', (u) => u.includes('/aedes-persistence/')],
  ['MQTT packet codec', (u) => u.includes('/mqtt-packet/')],
  ['aedes', (u) => u.includes('/aedes/')],
  ['logging (pino)', (u) => u.includes('/pino')],
  ['store (SQLite)', (u) => u.includes('/better-sqlite3/') || u.includes('/cloud/dist/store/') || u.includes('/kysely/')],
  ['ingest', (u) => u.includes('/cloud/dist/ingest/')],
  ['security (authenticate, ACL)', (u) => u.includes('/cloud/dist/security/')],
  ['broker glue', (u) => u.includes('/cloud/dist/broker/')],
  ['other cloud code', (u) => u.includes('/cloud/dist/')],
  ['mqtt.js client', (u) => u.includes('/mqtt/build/') || u.includes('/mqtt/dist/')],
  ['fleet simulator', (u) => u.includes('/cli/dist/')],
  ['protocol codecs', (u) => u.includes('/protocol/dist/')],
  ['zlib', (u) => u === 'node:zlib' || u.startsWith('node:internal/zlib')],
  [
    'TLS (Node JS side)',
    (u) => u === 'node:tls' || u === 'node:_tls_wrap' || u === 'node:_tls_common' || u.startsWith('node:internal/tls'),
  ],
  ['crypto', (u) => u === 'node:crypto' || u.startsWith('node:internal/crypto')],
  ['timers', (u) => u === 'node:internal/timers' || u === 'node:timers'],
];
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const areaOf = new Map();
const area = (id) => {
  if (areaOf.has(id)) return areaOf.get(id);
  const n = byId.get(id);
  const f = n.callFrame;
  let a;
  if (f.functionName === '(idle)' || f.functionName === '(program)' || f.functionName === '(garbage collector)') a = f.functionName;
  else {
    a = AREAS.find(([, test]) => test(f.url))?.[0];
    if (!a) a = parent.has(id) ? area(parent.get(id)) : 'other (Node internals, no known caller)';
  }
  areaOf.set(id, a);
  return a;
};
const us = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const a = area(prof.samples[i]);
  us.set(a, (us.get(a) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const idle = us.get('(idle)') ?? 0;
const total = [...us.values()].reduce((a, b) => a + b, 0);
const busy = total - idle;
const per = perArg ? Number(perArg) : 0;
console.log(
  `wall ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s${per ? `, ${(busy / 1e3 / per).toFixed(2)} ms per unit (${per})` : ''}`,
);
for (const [a, v] of [...us].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]))
  console.log(
    `${((100 * v) / busy).toFixed(1).padStart(5)} %  ${(v / 1e3).toFixed(0).padStart(7)} ms${per ? `  ${(v / 1e3 / per).toFixed(3).padStart(7)} ms/unit` : ''}  ${a}`,
  );
