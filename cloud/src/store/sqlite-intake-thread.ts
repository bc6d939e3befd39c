/**
 * The SQLite store's intake thread, seen from the event loop: the ingest's rounds (statuses and
 * batches) and the alert engine's judged rounds go by message to a worker thread
 * (sqlite-intake-worker.ts) that owns its own connection to the file and commits them there, so
 * the commit's fsync no longer blocks the loop (handshakes, acks, HTTP). A round's promise resolves
 * only with the worker's answer, sent after its commit returned: the ack contract holds
 * (docs/architecture.md, contract 2). WAL lets the loop's own connection go on reading meanwhile.
 *
 * If the worker dies, every round it had not answered is rejected (not acked: the gateways resend,
 * and the store's idempotency counts what had been committed as duplicates), the death is reported,
 * and the next round starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import type { GatewayStatus, ObservationBatch } from '@telecart/protocol';
import type { Outcome } from './batch-outcome.js';
import type { Judgement, JudgeResult } from './cloud-store.js';

/** Test hook (crash tests only): where the worker ends itself, as a crash would. */
export type IntakeDeath = 'before-commit' | 'after-commit';

export interface IntakeWorkerData {
  file: string;
  dieAt?: IntakeDeath;
}

type Call =
  | { type: 'intake'; batches: readonly ObservationBatch[]; statuses: readonly GatewayStatus[]; at: string }
  | { type: 'judge'; judgements: readonly Judgement[] };

export type IntakeRequest = (Call & { id: number }) | { type: 'close' };

export type IntakeReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: Outcome[][] | JudgeResult[] }
  | { type: 'failed'; id: number; message: string; code?: string };

export interface IntakeThreadOptions {
  /** The worker's built module; default the one beside this one (from the TypeScript sources, the built one in dist/). */
  workerFile?: URL;
  /** The worker died (crash, out of memory…); its unanswered rounds were rejected. */
  onExit?: (err: Error) => void;
  /** Crash tests only: the first worker ends itself at this point of its first round (the next one is sound). */
  dieAt?: IntakeDeath;
}

/** Tests run the TypeScript sources; a worker thread runs the built JavaScript, as the spawned processes do. */
const here = import.meta.url;
export const INTAKE_WORKER_FILE = new URL(
  here.endsWith('.ts') ? '../../dist/store/sqlite-intake-worker.js' : './sqlite-intake-worker.js',
  here,
);

/** A round the worker did not answer: it may or may not have been committed, it is not acked. */
export class IntakeThreadDied extends Error {
  readonly code = 'INTAKE_THREAD_DIED';
}

function isReply(m: unknown): m is IntakeReply {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

interface Pending {
  resolve(result: Outcome[][] | JudgeResult[]): void;
  reject(e: Error): void;
}

export class SqliteIntakeThread {
  private worker: Worker | null = null;
  private ready: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private starts = 0;

  constructor(
    private readonly file: string,
    private readonly opts: IntakeThreadOptions = {},
  ) {}

  /** Starts the worker (if none runs); resolves once its connection is open. */
  start(): Promise<void> {
    if (this.worker) return this.ready;
    const dieAt = this.starts++ === 0 ? this.opts.dieAt : undefined;
    const data: IntakeWorkerData = { file: this.file, ...(dieAt ? { dieAt } : {}) };
    const worker = new Worker(this.opts.workerFile ?? INTAKE_WORKER_FILE, { workerData: data });
    this.worker = worker;
    worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      let up = false;
      worker.on('message', (m: unknown) => {
        if (!isReply(m)) return;
        if (m.type === 'ready') {
          up = true;
          resolve();
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        if (m.type === 'done') p.resolve(m.result);
        else p.reject(Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }));
      });
      let failure: Error | undefined;
      worker.on('error', (e) => {
        failure = e;
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        const err = new IntakeThreadDied(
          `the SQLite intake thread exited (code ${code})${failure ? `: ${failure.message}` : ''}; its unanswered rounds are not acked`,
          failure ? { cause: failure } : undefined,
        );
        if (!up) reject(err);
        const unanswered = [...this.pending.values()];
        this.pending.clear();
        for (const p of unanswered) p.reject(err);
        if (!this.closing) this.opts.onExit?.(err);
      });
    });
    // A failed start is reported to the caller that awaits it, or to the round that needed it.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /** Stores one round in the worker; its outcomes once committed there. */
  async intake(batches: readonly ObservationBatch[], statuses: readonly GatewayStatus[], at: Date): Promise<Outcome[][]> {
    return (await this.call({ type: 'intake', batches, statuses, at: at.toISOString() })) as Outcome[][];
  }

  /** The alert engine's round (SqliteJudge.judge) in the worker; its results once committed there. */
  async judge(judgements: readonly Judgement[]): Promise<JudgeResult[]> {
    return (await this.call({ type: 'judge', judgements })) as JudgeResult[];
  }

  private async call(call: Call): Promise<Outcome[][] | JudgeResult[]> {
    if (this.closing) throw new Error('the SQLite store is closed');
    await this.start();
    const worker = this.worker;
    if (!worker) throw new IntakeThreadDied('the SQLite intake thread is not running');
    const id = this.nextId++;
    return new Promise<Outcome[][] | JudgeResult[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while a round is in it: the process waits for the answer.
      worker.ref();
      const request: IntakeRequest = { ...call, id };
      worker.postMessage(request);
    });
  }

  /** Closes the worker's connection after the rounds already sent (it takes its messages in order). */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.ref();
    const request: IntakeRequest = { type: 'close' };
    worker.postMessage(request);
    await exited;
  }
}
