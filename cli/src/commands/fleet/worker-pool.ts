/**
 * The simulator's side of `--workers N`: the light gateways spread over N forked processes
 * (worker.ts), their reports summed. Processes, not worker_threads: each worker gets its own event
 * loop and heap (one running out of memory cannot take the parent's report with it), its CPU and
 * memory are the kernel's per-process figures, and nothing is shared anyway: every gateway has its
 * own socket and TLS context.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { BackoffOptions } from '@telecart/gateway';
import { compile, formatIssues } from '@telecart/protocol';
import { LatencyHistogram } from './latency.js';
import { type FleetCounters, newCounters } from './light-gateway.js';
import { FromWorker, type ToWorker, type WorkerGateway, type WorkerStats } from './worker-protocol.js';

const checkMessage = compile(FromWorker);
const WORKER_FILE = new URL('./worker.js', import.meta.url);

export interface PoolPlan {
  workers: number;
  url: string;
  ca: string;
  seed: number;
  backoff: BackoffOptions;
  /** Whether the gateways offer their kept TLS session ticket on reconnect, as the real gateway does. */
  tlsResumption: boolean;
  /** Gateway i goes to worker i mod N: carts and home kits are spread evenly. */
  gateways: readonly WorkerGateway[];
}

type Answer = 'ready' | 'measured' | 'recorded' | 'final';

interface Worker {
  index: number;
  child: ChildProcess;
  stats: WorkerStats;
  waiting: Map<Answer, { resolve(): void; reject(e: Error): void }>;
  exited: boolean;
}

const zeroStats = (): WorkerStats => ({ counters: newCounters(), backlog: 0, cpuMicros: 0, rssBytes: 0 });

export class WorkerPool {
  private readonly latency = new LatencyHistogram();
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {}

  static async start(plan: PoolPlan): Promise<WorkerPool> {
    const n = Math.max(1, Math.min(plan.workers, plan.gateways.length));
    const workers: Worker[] = [];
    for (let index = 0; index < n; index++) {
      const child = fork(WORKER_FILE, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      workers.push({ index, child, stats: zeroStats(), waiting: new Map(), exited: false });
    }
    const pool = new WorkerPool(workers);
    for (const w of workers) pool.listen(w);
    await pool.each('ready', (w) => ({
      type: 'init',
      url: plan.url,
      ca: plan.ca,
      // Each worker its own stream of the run's seed.
      seed: (plan.seed * 1_000_003 + w.index + 1) >>> 0,
      backoff: plan.backoff,
      tlsResumption: plan.tlsResumption,
      gateways: plan.gateways.filter((_, i) => i % n === w.index),
    }));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** The sum of every worker's counters, as last reported (at most 200 ms old). */
  counters(): FleetCounters {
    const sum = newCounters();
    for (const w of this.workers) for (const k of Object.keys(sum) as (keyof FleetCounters)[]) sum[k] += w.stats.counters[k];
    return sum;
  }

  backlog(): number {
    return this.workers.reduce((n, w) => n + w.stats.backlog, 0);
  }

  /** CPU µs of every worker since it started. */
  cpuMicros(): number {
    return this.workers.reduce((n, w) => n + w.stats.cpuMicros, 0);
  }

  rssBytes(): number {
    return this.workers.reduce((n, w) => n + w.stats.rssBytes, 0);
  }

  /** A worker failed (exited, sent what it should not): the run cannot be counted. */
  failed(): Error | undefined {
    return this.failure;
  }

  /** First connections over `rampMs`, at most `maxConnecting` of the whole fleet at once (shared evenly). */
  connect(rampMs: number, maxConnecting: number): void {
    const each = Math.max(1, Math.floor(maxConnecting / this.workers.length));
    for (const w of this.workers) this.send(w, { type: 'connect', rampMs, maxConnecting: each });
  }

  /** Resolves when every worker measured for `durationMs` (their readings may still be unacked). */
  steady(durationMs: number, rate: number): Promise<void> {
    return this.each('measured', () => ({ type: 'steady', durationMs, rate }));
  }

  /** Resolves when every gateway recorded `readings` more. */
  record(readings: number): Promise<void> {
    return this.each('recorded', () => ({ type: 'record', readings }));
  }

  /** Closes every gateway; the merged latency histogram and the counters as the run ended. */
  async stop(): Promise<{ latency: LatencyHistogram; counters: FleetCounters; backlog: number }> {
    await this.each('final', () => ({ type: 'stop' }));
    return { latency: this.latency, counters: this.counters(), backlog: this.backlog() };
  }

  /** Ends what is left (a failed run): the workers are killed, not asked. */
  kill(): void {
    for (const w of this.workers) if (!w.exited) w.child.kill('SIGKILL');
  }

  private listen(w: Worker): void {
    w.child.on('message', (raw: unknown) => {
      const v = checkMessage.validate(raw);
      if (!v.ok) return this.fail(w, `sent a message that does not fit: ${formatIssues(v.issues)}`);
      const m = v.value;
      if (m.type === 'error') return this.fail(w, m.message);
      w.stats = m.stats;
      if (m.type === 'final') this.latency.merge(m.latency, m.latencyMaxMs);
      if (m.type !== 'stats') {
        w.waiting.get(m.type)?.resolve();
        w.waiting.delete(m.type);
      }
    });
    w.child.on('exit', (code, signal) => {
      w.exited = true;
      if (w.waiting.size > 0 || code !== 0) this.fail(w, `exited (${signal ?? code})`);
    });
    w.child.on('error', (e) => this.fail(w, e.message));
  }

  private fail(w: Worker, why: string): void {
    const e = new Error(`fleet worker ${w.index + 1} of ${this.workers.length}: ${why}`);
    this.failure ??= e;
    for (const p of w.waiting.values()) p.reject(e);
    w.waiting.clear();
  }

  private send(w: Worker, m: ToWorker): void {
    if (!w.exited) w.child.send(m);
  }

  /** Sends each worker its message and waits for every answer. */
  private each(answer: Answer, message: (w: Worker) => ToWorker): Promise<void> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            if (this.failure) return reject(this.failure);
            w.waiting.set(answer, { resolve, reject });
            this.send(w, message(w));
          }),
      ),
    ).then(() => undefined);
  }
}
