/** Normal variates from the seeded PRNG (Box–Muller), so signals are reproducible from a seed. */
import type { Prng } from '../ble-devices/prng.js';

export function gaussian(rng: Prng, mean = 0, sd = 1): number {
  const u = Math.max(rng.next(), Number.EPSILON);
  const v = rng.next();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
