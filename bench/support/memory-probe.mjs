// Where a running gateway's resident memory goes (bench/gateway-footprint.mjs --breakdown).
// Loaded with NODE_OPTIONS=--import=<this file> into every process of a `telecart demo`; only the
// gateway process (`telecart gateway --config …`) acts: at SIGUSR2 (sent by the bench in the idle
// window) it writes V8's heap figures, process.memoryUsage() and its mappings' resident sizes
// (/proc/self/smaps, grouped by what is mapped) to TELECART_BENCH_PROBE_DIR/gateway-<pid>.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const dir = process.env.TELECART_BENCH_PROBE_DIR;
const isGateway = process.argv.includes('gateway') && process.argv.includes('--config');

/** Resident KiB per mapping group: the node binary, each shared library, anonymous memory, stacks. */
function smapsGroups() {
  const groups = {};
  let current = null;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1] ?? '';
      current = path === '' ? '[anonymous]' : path.startsWith('/') ? path.slice(path.lastIndexOf('/') + 1) : path;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) groups[current] = (groups[current] ?? 0) + Number(rss[1]);
  }
  return groups;
}

function rollup() {
  const out = {};
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

if (dir && isGateway) {
  // A signal listener does not keep the process alive.
  process.on('SIGUSR2', () => {
    const report = {
      pid: process.pid,
      uptimeS: process.uptime(),
      memoryUsage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      heapSpaces: v8.getHeapSpaceStatistics(),
      heapCode: v8.getHeapCodeStatistics(),
      smapsRollupKiB: rollup(),
      smapsKiB: smapsGroups(),
      execArgv: process.execArgv,
    };
    // Then the live part of the heap: a full collection (the figures above hold garbage too).
    v8.setFlagsFromString('--expose-gc');
    runInNewContext('gc')();
    report.afterGc = { memoryUsage: process.memoryUsage(), heap: v8.getHeapStatistics() };
    writeFileSync(join(dir, `gateway-${process.pid}.json`), JSON.stringify(report));
  });
}
