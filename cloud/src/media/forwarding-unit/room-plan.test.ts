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

  it('two participants apart never receive each other, and leave that slot to someone else', () => {
    // The specialist and the cart talk on their own peer connection: the unit does not carry them to each other.
    const p = new RoomPlan((viewer, source) => [viewer, source].sort().join() === 'cart,specialist');
    for (const id of ['cart', 'specialist', 'gp', 'daughter']) p.add(id, 3);
    const sees = (id: string) =>
      [0, 1, 2]
        .map((k) => p.sourceIn(id, k))
        .filter((x) => x !== null)
        .sort();
    expect(sees('cart')).toEqual(['daughter', 'gp']);
    expect(sees('specialist')).toEqual(['daughter', 'gp']);
    expect(sees('gp')).toEqual(['cart', 'daughter', 'specialist']);
    expect(sees('daughter')).toEqual(['cart', 'gp', 'specialist']);
    // A guest leaving frees a slot that the cart still does not give to the specialist.
    p.remove('gp');
    expect(sees('cart')).toEqual(['daughter']);
    expect(sees('specialist')).toEqual(['daughter']);
  });
});
