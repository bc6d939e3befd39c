import { describe, expect, it } from 'vitest';
import { deriveSeed, Prng } from './prng.js';

describe('Prng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });

  it('stays in range and rounds to the step', () => {
    const r = new Prng(7);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(55, 95);
      expect(n).toBeGreaterThanOrEqual(55);
      expect(n).toBeLessThanOrEqual(95);
      const t = r.real(36.2, 37.8, 0.1);
      expect(t).toBeGreaterThanOrEqual(36.2 - 1e-9);
      expect(t).toBeLessThanOrEqual(37.8 + 1e-9);
      expect(Math.abs(t * 10 - Math.round(t * 10))).toBeLessThan(1e-9);
    }
  });

  it('derives distinct seeds per label', () => {
    expect(deriveSeed(1, 'cuff')).not.toBe(deriveSeed(1, 'scale'));
    expect(deriveSeed(1, 'cuff')).toBe(deriveSeed(1, 'cuff'));
  });
});
