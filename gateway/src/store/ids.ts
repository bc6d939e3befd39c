/**
 * UUIDv7 from the injected clock, strictly increasing within a process: in the same millisecond
 * (or if the clock steps back) the 32-bit counter is incremented instead, as RFC 9562 §6.2 allows.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@telecart/devices';
import { v7 } from 'uuid';

export type IdGenerator = () => string;

export function uuidV7Generator(clock: Clock): IdGenerator {
  let lastMs = -1;
  let seq = 0;
  return () => {
    const random = randomBytes(16);
    const now = Math.max(0, Math.floor(clock.now()));
    if (now > lastMs) {
      lastMs = now;
      // Start the counter low so thousands of ids fit in one millisecond.
      seq = random.readUInt32BE(6) & 0x3ffffff;
    } else {
      seq = (seq + 1) >>> 0;
      if (seq === 0) lastMs++;
    }
    return v7({ msecs: lastMs, seq, random });
  };
}
