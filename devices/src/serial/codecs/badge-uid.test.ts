import { describe, expect, it } from 'vitest';
import { BadgeUidParser, encodeBadgeUid } from './badge-uid.js';

describe('badge UID lines', () => {
  it('reads 4-, 7- and 10-byte UIDs split anywhere, and refuses other lines', () => {
    const p = new BadgeUidParser();
    const bytes = Buffer.concat([encodeBadgeUid('04A1B2C3'), encodeBadgeUid('04A1B2C3D4E5F6'), Buffer.from('hello\r\n04a1\n')]);
    const packets = [];
    const errors = [];
    for (let i = 0; i < bytes.length; i += 3) {
      const o = p.push(bytes.subarray(i, i + 3));
      packets.push(...o.packets);
      errors.push(...o.errors.map((e) => e.kind));
    }
    expect(packets).toEqual([{ uid: '04A1B2C3' }, { uid: '04A1B2C3D4E5F6' }]);
    expect(errors).toEqual(['framing', 'framing']);
    expect(p.push(Buffer.alloc(70, 0x41)).errors.map((e) => e.kind)).toEqual(['garbage']);
    expect(p.push(Buffer.from('\r\n')).packets).toEqual([]);
    expect(p.push(encodeBadgeUid('0011223344556677889A')).packets).toEqual([{ uid: '0011223344556677889A' }]);
    expect(() => encodeBadgeUid('04a1b2c3')).toThrow(/upper-case hex/);
  });
});
