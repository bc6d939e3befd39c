import { describe, expect, it } from 'vitest';
import { backoffDelay, type Timers, withTimeout } from './backoff.js';

describe('backoff', () => {
  it('grows geometrically and is capped', () => {
    const p = { initialMs: 100, maxMs: 1000, factor: 2 };
    expect([0, 1, 2, 3, 4, 5, 50, 5000].map((a) => backoffDelay(a, p))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('times out a hung operation on the injected timers, and clears the timer otherwise', async () => {
    const pending: (() => void)[] = [];
    let cleared = 0;
    const timers: Timers = {
      setTimeout: (fn) => pending.push(fn),
      clearTimeout: () => {
        cleared++;
      },
    };
    const hung = withTimeout(new Promise<never>(() => undefined), 10, 'read 2A29', timers);
    pending[0]?.();
    await expect(hung).rejects.toThrow('read 2A29 timed out after 10 ms');
    await expect(withTimeout(Promise.resolve(5), 10, 'x', timers)).resolves.toBe(5);
    expect(cleared).toBe(1);
  });
});
