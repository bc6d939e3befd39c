// Inclusive time of the functions whose name matches a pattern in a V8 CPU profile, with their
// heaviest callees: where a hot path's time goes. Usage:
//   node bench/support/cpu-profile-tree.mjs <file.cpuprofile> <regexp> [depth=2]
import { readFileSync } from 'node:fs';

const [file, pattern, depthArg] = process.argv.slice(2);
if (!file || !pattern) {
  console.error('usage: node bench/support/cpu-profile-tree.mjs <file.cpuprofile> <regexp> [depth]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, { ...n, self: 0, total: 0 }]));
for (let i = 0; i < prof.samples.length; i++) byId.get(prof.samples[i]).self += prof.timeDeltas[i] ?? 0;
const totalOf = (n) => {
  if (n.total) return n.total;
  n.total = n.self + (n.children ?? []).reduce((a, c) => a + totalOf(byId.get(c)), 0);
  return n.total;
};
const name = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const re = new RegExp(pattern);
// Merge every node of a matching function (outermost occurrences only), then its callees by name.
const merged = new Map();
const visit = (n, inside) => {
  const match = !inside && re.test(name(n));
  if (match) merged.set(name(n), (merged.get(name(n)) ?? []).concat(n));
  for (const c of n.children ?? []) visit(byId.get(c), inside || match);
};
visit(byId.get(prof.nodes[0].id), false);
const depth = Number(depthArg ?? 2);
const show = (nodes, level, indent) => {
  const groups = new Map();
  for (const n of nodes)
    for (const c of n.children ?? []) {
      const cn = byId.get(c);
      groups.set(name(cn), (groups.get(name(cn)) ?? []).concat(cn));
    }
  const rows = [...groups]
    .map(([k, ns]) => [k, ns, ns.reduce((a, n) => a + totalOf(n), 0)])
    .sort((a, b) => b[2] - a[2])
    .slice(0, 12);
  for (const [k, ns, t] of rows) {
    if (t < 20_000) continue;
    console.log(`${indent}${(t / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
    if (level < depth) show(ns, level + 1, `${indent}  `);
  }
};
for (const [k, nodes] of merged) {
  const t = nodes.reduce((a, n) => a + totalOf(n), 0);
  const s = nodes.reduce((a, n) => a + n.self, 0);
  console.log(`${(t / 1e3).toFixed(0).padStart(7)} ms  ${k} (self ${(s / 1e3).toFixed(0)} ms)`);
  show(nodes, 1, '  ');
}
