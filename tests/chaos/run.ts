/**
 * The chaos runner: for each trial kind, one rig and N trials; after each trial the readings the
 * devices delivered are compared with what the cloud stored (by device, code and device time):
 * none lost, none twice. Used by `npm run chaos` (100+ trials) and by the short test in `npm test`.
 */
import { keysOfPdu } from './load.js';
import { Rig } from './rig.js';
import { inject, KINDS, type Kind, prng, rigFor, sleep, type TrialContext } from './trials.js';

export interface TrialResult {
  kind: Kind;
  trial: number;
  readings: number;
  lost: number;
  duplicated: number;
  /** Rows in the cloud that no device produced. */
  unexpected: number;
  /** The gateway's store emptied after the trial. */
  drained: boolean;
  /** Services that died without being killed by the trial. */
  crashes: number;
  ms: number;
  notes: string[];
}

export interface KindSummary {
  kind: Kind;
  trials: number;
  readings: number;
  lost: number;
  duplicated: number;
  notDrained: number;
  crashes: number;
  secondsPerTrial: number;
}

export interface ChaosOptions {
  kinds?: readonly Kind[];
  trialsPerKind: number;
  seed?: number;
  /** How long the cloud may take to show every reading of a trial once the fault healed. */
  deliverTimeoutMs?: number;
  /** Period of the round-robin device measurements. */
  periodMs?: number;
  keep?: boolean;
  log?: (line: string) => void;
  /**
   * Test-only: called once a trial's readings are all in the cloud, before the final count; the
   * runner's own check tampers with the cloud's database here to prove a loss or a duplicate is seen.
   */
  tamper?: (cloudDb: string, trial: number) => void;
}

export interface ChaosReport {
  seed: number;
  trials: TrialResult[];
  summary: KindSummary[];
  ok: boolean;
  seconds: number;
}

async function settle<T>(probe: () => T | undefined | false, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}

/** Restarts whatever died on its own (not by the trial's hand), counting it. */
async function revive(rig: Rig, notes: string[]): Promise<number> {
  let crashes = 0;
  if (rig.cloud && !rig.cloud.alive()) {
    crashes++;
    notes.push(`CLOUD CRASHED (${rig.cloud.proc.exitCode ?? rig.cloud.proc.signalCode}), see ${rig.cloud.logFile}`);
    await rig.startCloud();
  }
  if (rig.gateway && !rig.gateway.alive()) {
    crashes++;
    notes.push(`GATEWAY CRASHED (${rig.gateway.proc.exitCode ?? rig.gateway.proc.signalCode}), see ${rig.gateway.logFile}`);
    await rig.startGateway();
    await rig.waitSubscribed();
  }
  return crashes;
}

async function runKind(kind: Kind, opts: ChaosOptions, seed: number, log: (s: string) => void): Promise<TrialResult[]> {
  const rig = await Rig.start({ name: kind, seed, keep: opts.keep ?? false, ...rigFor(kind) });
  const results: TrialResult[] = [];
  const produced = new Set<string>();
  let reportedUnexpected = 0;
  try {
    await rig.waitSubscribed();
    const rand = prng(seed);
    for (let trial = 1; trial <= opts.trialsPerKind; trial++) {
      const t0 = Date.now();
      const notes: string[] = [];
      let crashes = 0;
      const c: TrialContext = {
        rig,
        rand,
        between: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
        note: (s) => notes.push(s),
        crashed: (s) => {
          crashes++;
          notes.push(s);
        },
      };
      const from = rig.load.mark();
      rig.load.start(opts.periodMs ?? 50);
      await sleep(c.between(200, 1200));
      await inject(kind, c);
      await sleep(c.between(300, 900));
      rig.load.stop();
      crashes += await revive(rig, notes);
      // Readings still in the devices' memory go out once the gateway listens again.
      if ((await settle(() => rig.load.backlog() === 0, 30_000)) === undefined)
        notes.push(`${rig.load.backlog()} readings stuck in the devices`);
      const keys = rig.load.finals(from, rig.load.mark()).flatMap(keysOfPdu);
      for (const k of keys) {
        if (produced.has(k)) throw new Error(`the load source produced ${k} twice: the simulator clock must step`);
        produced.add(k);
      }
      const all = await settle(() => keys.every((k) => rig.view.refresh().count(k) >= 1), opts.deliverTimeoutMs ?? 45_000);
      if (!all) notes.push('not every reading reached the cloud in time');
      crashes += await revive(rig, notes);
      const drained = (await settle(() => rig.backlog()?.pending === 0, 20_000)) !== undefined;
      // Give a late duplicate (a resend racing the last ack) the chance to show up.
      await sleep(300);
      opts.tamper?.(rig.view.dbFile, trial);
      rig.view.recount();
      const lost = keys.filter((k) => rig.view.count(k) === 0).length;
      const duplicated = keys.reduce((n, k) => n + Math.max(0, rig.view.count(k) - 1), 0);
      let unexpectedNow = 0;
      for (const [k, n] of rig.view.byKey) if (!produced.has(k)) unexpectedNow += n;
      unexpectedNow += rig.view.repeatedIds;
      const unexpected = unexpectedNow - reportedUnexpected;
      reportedUnexpected = unexpectedNow;
      const r: TrialResult = {
        kind,
        trial,
        readings: keys.length,
        lost,
        duplicated,
        unexpected,
        drained,
        crashes,
        ms: Date.now() - t0,
        notes,
      };
      results.push(r);
      const bad = lost > 0 || duplicated > 0 || unexpected > 0 || !drained || crashes > 0;
      log(
        `${bad ? 'FAIL' : 'ok  '} ${kind} #${trial}: ${keys.length} readings, lost ${lost}, dup ${duplicated}` +
          `${unexpected ? `, unexpected ${unexpected}` : ''}${drained ? '' : ', backlog not drained'}, ${r.ms} ms [${notes.join('; ')}]`,
      );
      // Keep a failing rig's logs and stores for inspection (not when the failure was staged).
      if (bad && !opts.tamper) {
        log(`     rig kept for inspection in ${rig.dir}`);
        rig.opts.keep = true;
      }
    }
  } finally {
    await rig.stop();
  }
  return results;
}

export function summarize(trials: readonly TrialResult[]): KindSummary[] {
  const out: KindSummary[] = [];
  for (const kind of KINDS) {
    const ts = trials.filter((t) => t.kind === kind);
    if (ts.length === 0) continue;
    const sum = (f: (t: TrialResult) => number) => ts.reduce((n, t) => n + f(t), 0);
    out.push({
      kind,
      trials: ts.length,
      readings: sum((t) => t.readings),
      lost: sum((t) => t.lost),
      duplicated: sum((t) => t.duplicated + t.unexpected),
      notDrained: sum((t) => (t.drained ? 0 : 1)),
      crashes: sum((t) => t.crashes),
      secondsPerTrial: Math.round(sum((t) => t.ms) / ts.length / 100) / 10,
    });
  }
  return out;
}

export function formatTable(summary: readonly KindSummary[]): string {
  const head = ['trial kind', 'trials', 'readings', 'lost', 'duplicated', 'not drained', 'crashes', 's/trial'];
  const rows = summary.map((s) =>
    [s.kind, s.trials, s.readings, s.lost, s.duplicated, s.notDrained, s.crashes, s.secondsPerTrial].map(String),
  );
  const total = (f: (s: KindSummary) => number) => String(summary.reduce((n, s) => n + f(s), 0));
  rows.push([
    'total',
    total((s) => s.trials),
    total((s) => s.readings),
    total((s) => s.lost),
    total((s) => s.duplicated),
    total((s) => s.notDrained),
    total((s) => s.crashes),
    '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const seed = opts.seed ?? 1;
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const trials: TrialResult[] = [];
  const kinds = opts.kinds ?? KINDS;
  for (const [i, kind] of kinds.entries()) {
    log(`== ${kind}: ${opts.trialsPerKind} trials (seed ${seed + i})`);
    trials.push(...(await runKind(kind, opts, seed + i, log)));
  }
  const summary = summarize(trials);
  const ok = summary.every((s) => s.lost === 0 && s.duplicated === 0 && s.notDrained === 0 && s.crashes === 0);
  return { seed, trials, summary, ok, seconds: Math.round((Date.now() - t0) / 1000) };
}
