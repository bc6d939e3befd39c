/**
 * The intake thread's bookkeeping (sqlite-intake-thread.ts) when its worker dies at each point of its life,
 * against real worker threads: a stand-in worker (written by the test, no store) that exits or throws at
 * load, right after `ready` (at once, or a tick later), on a round, after answering one, on the second round;
 * and a worker terminated from the main thread while rounds are in it. Whatever the order of `ready`, the
 * rounds posted and the death, every round in flight settles — answered, or rejected with IntakeThreadDied,
 * never left pending — and the next round starts a new worker (it answers when the stand-in does).
 * docs/testing.md « Retried once » says why: a hang of sqlite-intake-thread.test.ts's dead-worker test, not
 * reproduced.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntakeThreadDied, SqliteIntakeThread } from './sqlite-intake-thread.js';

/** Its death point comes as the store file's name (workerData.file); the first worker only (workerData.dieAt set). */
const STAND_IN = `
import { parentPort, workerData } from 'node:worker_threads';
const mode = workerData.dieAt ? workerData.file : 'sound';
if (mode === 'exit-at-load') process.exit(71);
if (mode === 'throw-at-load') throw new Error('dead at load');
let n = 0;
parentPort.on('message', (m) => {
  if (m.type === 'close') return parentPort.close();
  n++;
  if (mode === 'exit-on-round') process.exit(70);
  if (mode === 'throw-on-round') throw new Error('dead on a round');
  if (mode === 'hold') return;
  parentPort.postMessage({ type: 'done', id: m.id, result: [] });
  if (mode === 'exit-after-answer') process.exit(70);
  if (mode === 'exit-on-second' && n === 1) setImmediate(() => process.exit(70));
});
parentPort.postMessage({ type: 'ready' });
if (mode === 'exit-after-ready') process.exit(72);
if (mode === 'exit-after-ready-tick') setImmediate(() => process.exit(72));
`;

let dir: string;
let workerFile: URL;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-intake-deaths-'));
  const file = join(dir, 'stand-in.mjs');
  writeFileSync(file, STAND_IN);
  workerFile = pathToFileURL(file);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Settled = 'answered' | 'died';
const settled = (p: Promise<unknown>): Promise<Settled> =>
  p.then(
    () => 'answered',
    (e: unknown) => {
      if (e instanceof IntakeThreadDied) return 'died';
      throw e;
    },
  );

const DEATHS = [
  'exit-at-load',
  'throw-at-load',
  'exit-after-ready',
  'exit-after-ready-tick',
  'exit-on-round',
  'throw-on-round',
  'exit-after-answer',
  'exit-on-second',
  'terminated',
] as const;

describe('SQLite intake thread: a worker dying at each point', () => {
  it.each(DEATHS)('%s: every round in flight settles, the next round is answered by a new worker', async (death) => {
    const exits: Error[] = [];
    // The `dieAt` hook marks the first worker only: the stand-in then dies where its « file » says.
    const thread = new SqliteIntakeThread(death === 'terminated' ? 'hold' : death, {
      workerFile,
      dieAt: 'before-commit',
      onExit: (e) => exits.push(e),
    });
    try {
      const rounds = Array.from({ length: 5 }, () => settled(thread.intake([], [], new Date())));
      if (death === 'terminated') {
        await thread.start();
        // Rounds posted, none answered (the stand-in holds them): the worker ends while a sixth is being posted.
        const worker = (thread as unknown as { worker: { terminate(): Promise<number> } | null }).worker;
        void worker?.terminate();
        rounds.push(settled(thread.intake([], [], new Date())));
      }
      const outcomes = await Promise.all(rounds);
      // Settled, each (a round left pending would hold Promise.all past the test's timeout).
      expect(outcomes.every((o) => o === 'answered' || o === 'died')).toBe(true);
      // The death is heard once (after the rounds when the worker answered them all first: a tick later, after ready).
      await expect.poll(() => exits.length, { timeout: 60_000 }).toBe(1);
      expect(exits[0]).toBeInstanceOf(IntakeThreadDied);
      // The next worker is sound: it answers.
      expect(await settled(thread.intake([], [], new Date()))).toBe('answered');
    } finally {
      await thread.close();
    }
  });
});
