import { describe, expect, it } from 'vitest';
import { RoomPlan } from './room-plan.js';

describe('RoomPlan', () => {
  it('four participants with three slots each: everyone receives the three others', () => {
    const p = new RoomPlan();
    for (const id of ['cart', 'specialist', 'gp', 'daughter']) p.add(id, 3);
    for (const id of p.participants()) {
      const got = [0, 1, 2].map((k) => p.sourceIn(id, k)).sort();
      expect(got).toEqual(
        p
          .participants()
          .filter((x) => x !== id)
          .sort(),
      );
    }
    expect(
      p
        .viewersOf('cart')
        .map((v) => v.viewer)
        .sort(),
    ).toEqual(['daughter', 'gp', 'specialist']);
  });

  it('a leaver’s slots go to a participant who was waiting for one, in the same slot', () => {
    const p = new RoomPlan();
    for (const id of ['a', 'b', 'c']) p.add(id, 1);
    // One slot each: a sees b, b sees a, c sees a; c waits at b's.
    expect(p.sourceIn('b', 0)).toBe('a');
    const changes = p.remove('a');
    expect(p.sourceIn('b', 0)).toBe('c');
    expect(p.sourceIn('c', 0)).toBe('b');
    expect(changes).toContainEqual({ viewer: 'b', slot: 0, source: 'c' });
    expect(() => p.add('b', 1)).toThrow(/already/);
  });
});
