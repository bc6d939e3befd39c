/**
 * Supervises N ingest worker processes (worker.ts) and looks like one Ingest to the rest of the
 * cloud: summed counters (plus each worker's own), connected when every worker is, and the
 * observations the workers stored, relayed for the live dashboard. A worker that dies is started
 * again after a pause; its unacked batches are redelivered by the broker to the others.
 */
import type { ChildProcess } from 'node:child_process';
import type { Observation } from '@telecart/protocol';
import type { Logger } from 'pino';
import type { Ingest, ObservationListener } from './ingest.js';
import { emptyMetrics, type IngestMetrics, type IngestWorkerMetrics } from './ingest-metrics.js';
import type { WorkerMessage } from './worker.js';

export interface IngestWorkerPoolOptions {
  count: number;
  /** Starts worker `index` as a child process with an IPC channel; it sends {type:'ready'} once subscribed. */
  fork: (index: number) => ChildProcess;
  logger: Logger;
  readyTimeoutMs?: number;
  restartDelayMs?: number;
}

interface Slot {
  index: number;
  proc: ChildProcess | null;
  metrics: IngestMetrics;
  /** What earlier processes of this slot had counted before they died. */
  before: IngestMetrics;
  connected: boolean;
  restarts: number;
}

function isWorkerMessage(m: unknown): m is WorkerMessage | { type: 'ready' } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Sums the workers' counters field by field (and the per-reason malformed counts). */
export function sumMetrics(all: readonly IngestMetrics[]): IngestMetrics {
  const total = emptyMetrics();
  for (const m of all) {
    for (const k of Object.keys(total) as (keyof IngestMetrics)[]) {
      const v = m[k];
      if (typeof v === 'number') (total[k] as number) += v;
    }
    for (const r of Object.keys(total.malformed) as (keyof IngestMetrics['malformed'])[]) total.malformed[r] += m.malformed[r] ?? 0;
    if (m.lastBatchAt !== null && (total.lastBatchAt === null || m.lastBatchAt > total.lastBatchAt)) total.lastBatchAt = m.lastBatchAt;
  }
  return total;
}

class IngestWorkerPool implements Ingest {
  private readonly slots: Slot[];
  private readonly listeners = new Set<ObservationListener>();
  private stopping = false;

  constructor(private readonly opts: IngestWorkerPoolOptions) {
    this.slots = Array.from({ length: opts.count }, (_, index) => ({
      index,
      proc: null,
      metrics: emptyMetrics(),
      before: emptyMetrics(),
      connected: false,
      restarts: 0,
    }));
  }

  async start(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.launch(s)));
  }

  private launch(slot: Slot): Promise<void> {
    const proc = this.opts.fork(slot.index);
    slot.proc = proc;
    const log = this.opts.logger;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        proc.kill('SIGKILL');
        reject(new Error(`ingest worker ${slot.index} not ready within ${(this.opts.readyTimeoutMs ?? 30_000) / 1000} s`));
      }, this.opts.readyTimeoutMs ?? 30_000);
      proc.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        if (m.type === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          log.info({ worker: slot.index, pid: proc.pid }, 'ingest: worker ready');
          resolve();
        } else if (m.type === 'metrics') {
          slot.metrics = m.metrics;
          slot.connected = m.connected;
        } else if (m.type === 'observation') {
          this.emit(m.observation);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        slot.connected = false;
        slot.proc = null;
        // Counters restart at zero with a new process: keep what the dead one had counted.
        slot.before = sumMetrics([slot.before, slot.metrics]);
        slot.metrics = emptyMetrics();
        if (!ready) {
          reject(new Error(`ingest worker ${slot.index} exited (${signal ?? code}) before it was ready`));
          return;
        }
        if (this.stopping) return;
        log.error({ worker: slot.index, code, signal }, 'ingest: worker died; starting it again');
        slot.restarts++;
        const again = setTimeout(() => {
          if (this.stopping) return;
          this.launch(slot).catch((e: unknown) => log.error({ err: e, worker: slot.index }, 'ingest: worker restart failed'));
        }, this.opts.restartDelayMs ?? 1000);
        again.unref();
      });
    });
  }

  private emit(obs: Observation): void {
    for (const l of this.listeners) {
      try {
        l(obs);
      } catch (e) {
        this.opts.logger.error({ err: e }, 'ingest: observation listener failed');
      }
    }
  }

  metrics(): IngestMetrics {
    const totals = this.slots.map((s) => sumMetrics([s.before, s.metrics]));
    const workers: IngestWorkerMetrics[] = this.slots.map((s, i) => ({
      index: s.index,
      pid: s.proc?.pid ?? null,
      connected: s.connected,
      restarts: s.restarts,
      batchesReceived: totals[i]?.batchesReceived ?? 0,
      observationsStored: totals[i]?.observationsStored ?? 0,
    }));
    return { ...sumMetrics(totals), workers };
  }

  isConnected(): boolean {
    return this.slots.every((s) => s.connected);
  }

  onObservation(listener: ObservationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const p = s.proc;
            if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
            const kill = setTimeout(() => p.kill('SIGKILL'), 10_000);
            p.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    this.listeners.clear();
  }
}

export async function startIngestWorkerPool(opts: IngestWorkerPoolOptions): Promise<Ingest> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`ingest workers: expected a count ≥ 1, got ${opts.count}`);
  const pool = new IngestWorkerPool(opts);
  try {
    await pool.start();
  } catch (e) {
    await pool.stop();
    throw e;
  }
  return pool;
}
