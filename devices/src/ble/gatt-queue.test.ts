import { describe, expect, it } from 'vitest';
import { GattQueue } from './gatt-queue.js';

describe('GattQueue', () => {
  it('runs operations one at a time in order, and a failure does not stop the next', async () => {
    const q = new GattQueue();
    const log: string[] = [];
    let running = 0;
    const op =
      (name: string, fail = false) =>
      async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([q.run(op('a')), q.run(op('b', true)), q.run(op('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await q.idle();
  });

  it("waits the quirk's gap between operations, on the injected sleep", async () => {
    const log: string[] = [];
    const q = new GattQueue({
      gapMs: 20,
      sleep: async (ms) => {
        log.push(`gap ${ms}`);
      },
    });
    await Promise.all([q.run(async () => log.push('a')), q.run(async () => log.push('b'))]);
    await q.idle();
    expect(log).toEqual(['a', 'gap 20', 'b', 'gap 20']);
  });
});
