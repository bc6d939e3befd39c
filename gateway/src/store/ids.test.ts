import fc from 'fast-check';
import { v7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../testing/fixtures.js';
import { uuidV7Generator, uuidV7Parts, uuidV7Text } from './ids.js';

describe('UUIDv7 ids', () => {
  it('writes the text uuid v7 writes for the same millisecond, counter and random bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (ms, seq, random) => {
          expect(uuidV7Text(ms, seq, random)).toBe(v7({ msecs: ms, seq, random }));
        },
      ),
    );
  });

  it('gives increasing, unique, well-formed ids, within a millisecond and across pool refills', () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const next = uuidV7Generator(clock);
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) {
      ids.push(next());
      if (i % 250 === 0) clock.advance(1);
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Number.parseInt((ids[599] as string).replace(/-/g, '').slice(0, 12), 16)).toBe(clock.now());
  });

  it('resumes after a given id: its millisecond and counter read back, the next ids greater even with the clock behind (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 20_000 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: -10_000, max: 10_000 }),
        (ms, seq, random, skew) => {
          const last = uuidV7Text(ms, seq, random);
          expect(uuidV7Parts(last)).toEqual({ ms, seq });
          const next = uuidV7Generator(manualClock(Math.max(0, ms + skew)), last);
          const a = next();
          const b = next();
          expect(a > last && b > a).toBe(true);
        },
      ),
    );
    expect(uuidV7Parts('not-an-id')).toBeUndefined();
  });
});
