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

  it('apart is one way: the specialist receives the cart, the cart does not receive the specialist, and that slot goes to someone else', () => {
    // The cart receives the specialist on its direct conversation; its conversation goes up once, into the room.
    const p = new RoomPlan((viewer, source) => viewer === 'cart' && source === 'specialist');
    for (const id of ['cart', 'specialist', 'gp', 'daughter']) p.add(id, 3);
    const sees = (id: string) =>
      [0, 1, 2]
        .map((k) => p.sourceIn(id, k))
        .filter((x) => x !== null)
        .sort();
    expect(sees('cart')).toEqual(['daughter', 'gp']);
    expect(sees('specialist')).toEqual(['cart', 'daughter', 'gp']);
    expect(sees('gp')).toEqual(['cart', 'daughter', 'specialist']);
    expect(sees('daughter')).toEqual(['cart', 'gp', 'specialist']);
    expect(
      p
        .viewersOf('cart')
        .map((v) => v.viewer)
        .sort(),
    ).toEqual(['daughter', 'gp', 'specialist']);
    // A guest leaving frees a slot that the cart still does not give to the specialist; the specialist keeps the cart.
    p.remove('gp');
    expect(sees('cart')).toEqual(['daughter']);
    expect(sees('specialist')).toEqual(['cart', 'daughter']);
  });
});
