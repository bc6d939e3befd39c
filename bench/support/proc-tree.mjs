/**
 * Process trees read from /proc, for the benches that measure a browser, the cloud or the gateway with
 * their children (conversation.mjs, participants.mjs, four-parties.mjs): CPU as clock ticks (user +
 * system, Linux's USER_HZ of 100 a second), resident memory, the run queue's wait.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second (Linux USER_HZ). */
export const TICK = 100;

/** Every process now: its parent and its CPU ticks so far. */
export function procTable() {
  const m = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      m.set(Number(e), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* gone */
    }
  }
  return m;
}

/** The pids of `root`'s process tree, `root` first. */
export function processTree(root, m = procTable()) {
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [p, k] of m) if (k.ppid === out[i]) out.push(p);
  return out.filter((p) => m.has(p));
}

/** The direct children of `pid`. */
export function childrenOf(pid, m = procTable()) {
  return [...m].filter(([, k]) => k.ppid === pid).map(([p]) => p);
}

/** CPU ticks of `root`'s whole tree so far; 0 without a root. */
export function treeTicks(root) {
  if (root === undefined) return 0;
  const m = procTable();
  return processTree(root, m).reduce((a, p) => a + (m.get(p)?.ticks ?? 0), 0);
}

/** The main thread's time on a CPU and waiting in the run queue (ns, /proc/<pid>/schedstat). */
export function sched(pid) {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { run, wait };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/** Resident memory of these processes together, MiB. */
export function rssMiB(pids) {
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}
