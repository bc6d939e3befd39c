import { describe, expect, it } from 'vitest';
import { ChannelParts, MAX_PART_BYTES, MAX_PARTS, toParts } from './instance-channel.js';

describe('the instances’ channel: texts in parts under the NOTIFY limit', () => {
  it('a short text goes whole; a long one in parts under the limit, put back together in any order', () => {
    expect(toParts('{"a":1}')).toEqual(['={"a":1}']);
    const long = `é€😀${'x'.repeat(20_000)}"\\`;
    const parts = toParts(long);
    expect(parts.length).toBe(4);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PART_BYTES);
    const r = new ChannelParts();
    const [first, ...rest] = parts.reverse();
    for (const p of rest) expect(r.take(p)).toBeNull();
    expect(r.take(first as string)).toEqual({ text: long });
  });

  it('malformed parts are refused, a text too long is refused at send, unfinished texts are dropped after a while', () => {
    let t = 0;
    const r = new ChannelParts(() => t);
    expect(r.take('no header')).toEqual({ error: 'not a part of a text' });
    expect(r.take('0123456789abcdef 0 1 AAAA')).toEqual({ error: 'part 0 of 1' });
    expect(r.take('0123456789abcdef 3 2 AAAA')).toEqual({ error: 'part 3 of 2' });
    expect(r.take('0123456789abcdef 0 2 AAAA')).toBeNull();
    expect(r.take('0123456789abcdef 1 3 AAAA')).toEqual({ error: 'part 1 of 3, of a text in 2' });
    t = 31_000;
    // The first part is gone: the second alone starts a new text.
    expect(r.take('0123456789abcdef 1 2 AAAA')).toBeNull();
    expect(() => toParts('x'.repeat(MAX_PARTS * MAX_PART_BYTES))).toThrow(/more than 128 parts/);
  });
});
