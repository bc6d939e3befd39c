/** CPU time and memory of a process from Linux /proc (the cloud the fleet simulator started). */
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** user + system CPU seconds so far. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak resident set (VmHWM). */
  peakRssBytes: number;
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux Node supports). */
const CLOCK_TICKS = 100;

/** Parses /proc/<pid>/stat and /proc/<pid>/status texts. */
export function parseProc(stat: string, status: string): ProcSample {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(after[11]);
  const stime = Number(after[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 120)}`);
  const kib = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc status has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

export function sampleProcess(pid: number, procRoot = '/proc'): ProcSample {
  return parseProc(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'), readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
}
