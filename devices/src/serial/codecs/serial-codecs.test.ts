import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex } from '../../codecs/test-bytes.js';
import { SERIAL_FORMAT_NAMES, SERIAL_FORMATS, type SerialPacket } from '../formats.js';
import { noninSpotCheckToDrafts } from '../mappings.js';
import { encodeNoninDf8, type NoninDf8Packet, NoninDf8Parser } from './nonin-df8.js';
import { encodeNoninDf13, type NoninDf13Input, NoninDf13Parser } from './nonin-df13.js';
import {
  encodeNoninFrame,
  encodeNoninRealtimePacket,
  type NoninFrame,
  type NoninRealtimeFormat,
  type NoninRealtimePacket,
  NoninRealtimeParser,
  noninFloatSchedule,
} from './nonin-realtime.js';
import { encodeOpenEegP2, OpenEegP2Parser } from './openeeg-p2.js';
import type { StreamParser } from './stream.js';

/** Feeds bytes in the given chunk sizes (cycled), then flushes; returns everything emitted. */
function run<P>(parser: StreamParser<P>, bytes: Uint8Array, chunks: number[] = [bytes.length || 1]) {
  const packets: P[] = [];
  const errors: string[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = Math.max(1, chunks[i++ % chunks.length] ?? 1);
    const o = parser.push(bytes.subarray(at, at + n));
    packets.push(...o.packets);
    errors.push(...o.errors.map((e) => e.kind));
    at += n;
  }
  const f = parser.flush();
  packets.push(...f.packets);
  errors.push(...f.errors.map((e) => e.kind));
  return { packets, errors };
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/**
 * DF2 frames captured from a Nonin 9560 (mattjlewis/NoninPulseOx DataFormat2FrameSerialiser.java):
 * the last 4 frames of one packet, a whole packet (SYNC 01 81 …), and the next SYNC frame.
 */
const DF2_CAPTURE = hex(
  [
    '01804900CA 0180464A11 01804400C5 01804300C4',
    '01814300C5 0180434A0E 0180436024 0180439458 01804300C4 01804100C2 01803E17D6 01803C04C1 018039601A 0180366017',
    '0180356016 01803400B5 01803400B5 01803400B5 0180354A00 0180366017 0180376018 01803A00BB 01804000C1 01804A00CB',
    '0180574A22 01806900EA 01807C4A47 0180900011 0180A10022',
    '0181AF0031',
  ].join(''),
);

describe('Nonin DF2/DF7 (real-time) parser', () => {
  it('decodes a real DF2 capture: HR 74, SpO2 96, placing the partial packets around it', () => {
    const { packets, errors } = run(new NoninRealtimeParser('df2'), DF2_CAPTURE, [7, 3, 11]);
    expect(errors).toEqual([]);
    expect(packets).toHaveLength(3);
    const [before, whole, after] = packets as NoninRealtimePacket[];
    // The 4 frames before the first SYNC are the last 4 of their packet.
    expect(before?.frames.slice(0, 21).every((f) => f === null)).toBe(true);
    expect(before?.frames[21]).toEqual({ status: 0x80, pleth: 0x49, float: 0 });
    expect(before?.hr).toBeUndefined();
    expect(whole?.frames.every((f) => f !== null)).toBe(true);
    expect(whole?.frames.map((f) => f?.pleth).slice(0, 3)).toEqual([0x43, 0x43, 0x43]);
    expect(whole).toMatchObject({
      hr: 74,
      spo2: 96,
      firmwareRevision: 0x94,
      stat2: 0x04,
      spo2Display: 96,
      spo2Fast: 96,
      spo2BeatToBeat: 96,
      hrExtended: 74,
      spo2Extended: 96,
      spo2ExtendedDisplay: 96,
      hrDisplay: 74,
      hrExtendedDisplay: 74,
    });
    expect(after?.frames[0]).toEqual({ status: 0x81, pleth: 0xaf, float: 0 });
    expect(after?.frames.slice(1).every((f) => f === null)).toBe(true);
  });

  it('keeps the samples but drops the values of a packet that comes up short with no visible gap', () => {
    const p = encodeNoninRealtimePacket('df7', frames(0, 75, 97, 'df7'));
    // 5 bytes lost right after the first byte of frame 2: what is left still parses as valid frames.
    const cut = concat([p.subarray(0, 6), p.subarray(11), p.subarray(0, 5)]);
    const { packets, errors } = run(new NoninRealtimeParser('df7'), cut);
    expect(errors).toEqual(['sync']);
    expect(packets[0]?.frames.filter((f) => f === null)).toHaveLength(1);
    expect(packets[0]?.hr).toBeUndefined();
    expect(packets[0]?.spo2).toBeUndefined();
  });

  it('counts a checksum error and resynchronises (digest: 01 81 80 00 → CHK 02)', () => {
    const good = encodeNoninRealtimePacket('df2', frames(1, 75, 97, 'df2'));
    expect(sumCheck(hex('01 81 80 00'))).toBe(0x02);
    const bad = Uint8Array.from(good);
    bad[5 * 7 + 4] = bad[5 * 7 + 4]! ^ 0xff; // frame 8 (STAT2) checksum broken
    const { packets, errors } = run(new NoninRealtimeParser('df2'), concat([good, bad, good]));
    expect(errors).toContain('checksum');
    expect(packets).toHaveLength(3);
    expect(packets[1]?.frames.flatMap((f, i) => (f === null ? [i] : []))).toEqual([7]);
    expect(packets[1]).toMatchObject({ hr: 75, spo2: 97 });
    expect(packets[1]?.stat2).toBeUndefined();
    expect(packets[2]?.frames.every((f) => f !== null)).toBe(true);
  });

  describe('re-locks on the SYNC frame, not on noise that reads as frames a few bytes before it (DF7 counterexamples)', () => {
    const hrSpo2 = { hr: 75, spo2: 97 };
    /** DF7 frames with a moving pleth; `pleth(i)` overrides frame i's pleth. */
    const df7 = (pleth: (i: number) => number | undefined = () => undefined) =>
      buildFrames(
        'df7',
        Array.from({ length: 25 }, (_, i) => ({ status: 0x80, pleth: pleth(i) ?? 0x1000 + i * 397 })),
        hrSpo2.hr,
        hrSpo2.spo2,
      );
    /** The last byte of `head` that makes head + `tail` a checksum-valid 5-byte frame. */
    const solve = (head: number[], tail: Uint8Array) => {
      const t = 4 - head.length; // frame = head, x, t bytes of tail; its last byte is the checksum
      return [...head, ((tail[t - 1] ?? 0) - sumCheck(Uint8Array.from([...head, ...tail.subarray(0, t - 1)]))) & 0xff];
    };
    const expectWhole = (bytes: Uint8Array, want: NoninFrame[][]) => {
      const { packets, errors } = run(new NoninRealtimeParser('df7'), bytes, [7]);
      expect(packets.slice(0, want.length).map((p) => p.frames)).toEqual(want);
      expect(packets.slice(0, want.length).map((p) => [p.hr, p.spo2])).toEqual(want.map(() => [75, 97]));
      return errors;
    };

    it('while locked: 2 noise bytes + the first 3 of the SYNC frame form a valid frame where the SYNC is due', () => {
      const [p0, p1, p2] = [df7(), df7((i) => (i === 0 ? 0x2345 : undefined)), df7()];
      const e1 = encodeNoninRealtimePacket('df7', p1);
      const noise = Uint8Array.from(solve([0x80], e1)); // [80 x | s0 s1 s2]: status 0x80, checksum = s2
      expect(sumCheck(concat([noise, e1.subarray(0, 2)]))).toBe(e1[2]);
      const errors = expectWhole(
        concat([encodeNoninRealtimePacket('df7', p0), noise, e1, encodeNoninRealtimePacket('df7', p2), syncFrame('df7')]),
        [p0, p1, p2],
      );
      expect(errors).toEqual(['garbage']);
    });

    it('re-locking: noise + the first bytes of a packet form 3 valid frames 3 bytes off the real ones', () => {
      // Frames 0 and 1 are chosen so the 5 bytes from byte 2 of each are a valid frame too.
      const frames = df7((i) => (i < 3 ? 0x0090 + i * 0x12 : undefined));
      for (let i = 0; i < 2; i++) {
        const e = encodeNoninRealtimePacket('df7', frames);
        const msb = sumCheck(e.subarray(i * 5 + 2, i * 5 + 6));
        frames[i + 1] = { ...frames[i + 1]!, pleth: (msb << 8) | (frames[i + 1]!.pleth & 0xff) };
      }
      const e1 = encodeNoninRealtimePacket('df7', frames);
      const noise = Uint8Array.from(solve([0x80, 0x00], e1)); // [80 00 x | s0 s1]
      const bytes = concat([noise, e1]);
      for (const at of [0, 5, 10]) expect(sumCheck(bytes.subarray(at, at + 4))).toBe(bytes[at + 4]); // the bait: 3 valid frames at byte 0
      const p2 = df7();
      // Locking on the first valid run (bytes 0, 5, 10) would swallow frames 0–2 of the packet.
      expectWhole(concat([noise, e1, encodeNoninRealtimePacket('df7', p2), syncFrame('df7')]), [frames, p2]);
    });

    it('but a whole packet keeps its lock when a noise frame with SYNC set straddles its end into the next packet', () => {
      const [p0, p1] = [df7((i) => (i === 24 ? 0x8160 : undefined)), df7()];
      const e0 = encodeNoninRealtimePacket('df7', p0);
      const noise = Uint8Array.of(sumCheck(e0.subarray(121, 125))); // [81 60 fl chk | x]: a SYNC-bit frame at byte 121
      const errors = expectWhole(concat([e0, noise, encodeNoninRealtimePacket('df7', p1), syncFrame('df7')]), [p0, p1]);
      expect(errors).not.toContain('unpositioned');
    });
  });

  it('never loops or throws on streams of valid frames with SYNC bits anywhere, cut by noise (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<NoninRealtimeFormat>('df2', 'df7'),
        fc.array(
          fc.oneof(
            fc.record({
              status: fc.integer({ min: 0x80, max: 0xff }),
              pleth: fc.integer({ min: 0, max: 255 }),
              float: fc.integer({ min: 0, max: 255 }),
            }),
            fc.uint8Array({ minLength: 1, maxLength: 7 }),
          ),
          { maxLength: 120 },
        ),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1 }),
        (format, items, chunks) => {
          const bytes = concat(items.map((x) => (x instanceof Uint8Array ? x : encodeNoninFrame(format, x))));
          const parser = new NoninRealtimeParser(format);
          const { packets } = run(parser, bytes, chunks);
          expect(parser.stats.bytesIn).toBe(bytes.length);
          expect(packets.every((p) => p.frames.length === 25)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  for (const format of ['df2', 'df7'] as const) {
    const plethMax = format === 'df2' ? 255 : 65535;
    // A pleth that moves (as a real one does: a constant stream is ambiguous to any resync) and random status bits.
    const packetArb = fc
      .record({
        hr: fc.option(fc.integer({ min: 0, max: 510 }), { nil: null }),
        spo2: fc.option(fc.integer({ min: 0, max: 126 }), { nil: null }),
        base: fc.integer({ min: 0, max: plethMax }),
        step: fc.integer({ min: 3, max: 97 }),
        statuses: fc.array(fc.integer({ min: 0x80, max: 0xfe }), { minLength: 25, maxLength: 25 }),
      })
      .map(({ hr, spo2, base, step, statuses }) => ({
        hr,
        spo2,
        frames: statuses.map((status, i) => ({ status, pleth: (base + i * step * 131) % (plethMax + 1) })),
      }));

    it(`${format}: encode → decode round-trips whole packets, in any chunking (fast-check)`, () => {
      fc.assert(
        fc.property(
          fc.array(packetArb, { minLength: 1, maxLength: 5 }),
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }),
          (ps, chunks) => {
            const built = ps.map((p) => buildFrames(format, p.frames, p.hr, p.spo2));
            const bytes = concat([...built.map((f) => encodeNoninRealtimePacket(format, f)), syncFrame(format)]);
            const { packets, errors } = run(new NoninRealtimeParser(format), bytes, chunks);
            expect(errors).toEqual([]);
            const whole = packets.slice(0, ps.length);
            expect(whole.map((p) => p.frames)).toEqual(built);
            expect(whole.map((p) => [p.hr, p.spo2])).toEqual(ps.map((p) => [p.hr, p.spo2]));
          },
        ),
        { numRuns: 60 },
      );
    });

    it(`${format}: garbage between packets costs nothing; a loss inside a packet leaves empty slots at the right places (fast-check)`, () => {
      fc.assert(
        fc.property(
          fc.array(packetArb, { minLength: 3, maxLength: 4 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.integer({ min: 1, max: 99 }),
          fc.integer({ min: 1, max: 60 }),
          (ps, garbage, lossAt, lossLen) => {
            const built = ps.map((p) => buildFrames(format, p.frames, p.hr, p.spo2));
            const enc = built.map((f) => encodeNoninRealtimePacket(format, f));
            // Garbage after packet 0: every packet comes out whole, in order, with its values, even
            // when garbage and the next bytes happen to form checksum-valid frames a few bytes off (the
            // parser re-locks on the SYNC frame). The only extra packets hold frames the garbage itself
            // forms (aligned with the stream, so indistinguishable from real ones): no empty slot
            // where the input had a frame.
            const g = run(new NoninRealtimeParser(format), concat([enc[0]!, garbage, ...enc.slice(1), syncFrame(format)]));
            const gotFrames = g.packets.map((p) => p.frames);
            const extra = gotFrames.length - built.length - 1; // minus the trailing lone SYNC's packet
            expect(extra).toBeGreaterThanOrEqual(0);
            expect(gotFrames[0]).toEqual(built[0]);
            expect(gotFrames.slice(1 + extra, built.length + extra)).toEqual(built.slice(1));
            expect(g.packets.slice(1 + extra, built.length + extra).map((p) => [p.hr, p.spo2])).toEqual(
              ps.slice(1).map((p) => [p.hr, p.spo2]),
            );
            for (const fs of gotFrames.slice(1, 1 + extra)) {
              expect(fs.filter((f) => f !== null).length).toBeLessThanOrEqual(Math.floor(garbage.length / 5));
            }
            // Bytes lost inside packet 1 (its SYNC frame kept).
            const start = 5 + lossAt;
            const end = Math.min(125, start + lossLen);
            const cut = concat([enc[0]!, enc[1]!.subarray(0, start), enc[1]!.subarray(end), ...enc.slice(2), syncFrame(format)]);
            const l = run(new NoninRealtimeParser(format), cut);
            expect(l.packets[0]?.frames).toEqual(built[0]);
            const damaged = l.packets[1]!;
            expect(damaged.frames).toHaveLength(25);
            expect(damaged.frames.filter((f) => f === null).length).toBeGreaterThanOrEqual(Math.floor((end - start) / 5));
            if (Object.keys(damaged).every((k) => k === 'format' || k === 'frames')) {
              // Whole frames lost with no visible gap: samples kept in order, no value read, and said so.
              expect(l.errors).toContain('sync');
            } else {
              // Frames keep their place; a loss can leave one checksum-valid remnant (1 in 256).
              const misplaced = damaged.frames.filter((f, i) => f !== null && JSON.stringify(f) !== JSON.stringify(built[1]![i]));
              expect(misplaced.length).toBeLessThanOrEqual(1);
            }
            expect(
              isSubsequence(
                built.slice(2),
                l.packets.slice(2).map((p) => p.frames),
              ),
            ).toBe(true);
          },
        ),
        { numRuns: 80 },
      );
    });
  }
});

describe('Nonin DF8 parser', () => {
  it('decodes the vector 80 48 61 00 (built to the DF8 layout) → HR 72, SpO2 97; 511/127 are missing, not numbers', () => {
    const { packets } = run(new NoninDf8Parser(), hex('80 48 61 00 83 7F 7F 09'));
    expect(packets).toEqual([
      { status: 0, hr: 72, spo2: 97, stat2: 0 },
      { status: 0, hr: null, spo2: null, stat2: 0x09 },
    ]);
  });

  it('round-trips and resyncs after garbage (fast-check)', () => {
    const arb = fc.record({
      status: fc.integer({ min: 0, max: 0x1f }).map((s) => s << 2),
      hr: fc.option(fc.integer({ min: 0, max: 510 }), { nil: null }),
      spo2: fc.option(fc.integer({ min: 0, max: 126 }), { nil: null }),
      stat2: fc.integer({ min: 0, max: 0x7f }),
    });
    fc.assert(
      fc.property(fc.array(arb, { minLength: 2, maxLength: 8 }), fc.uint8Array({ maxLength: 20 }), (ps: NoninDf8Packet[], garbage) => {
        const enc = ps.map(encodeNoninDf8);
        expect(run(new NoninDf8Parser(), concat(enc), [3]).packets).toEqual(ps);
        const after = run(new NoninDf8Parser(), concat([enc[0]!, garbage, ...enc.slice(1)])).packets;
        expect(after.slice(-(ps.length - 1))).toEqual(ps.slice(1));
      }),
    );
  });
});

const DF13_VECTOR = hex('00 02 00 0D 00 0E 20 24 05 01 08 15 30 00 02 00 00 48 00 61 42 03');

describe('Nonin DF13 parser', () => {
  it('decodes a vector built to the DF13 layout: 2024-05-01 08:15:30, SPA, HR 72, SpO2 97 → two final drafts', () => {
    const { packets, errors } = run(new NoninDf13Parser(), concat([hex('06'), DF13_VECTOR]), [5]);
    expect(errors).toEqual(['garbage']);
    expect(packets).toEqual([
      {
        timestamp: { year: 2024, month: 5, day: 1, hours: 8, minutes: 15, seconds: 30 },
        timeBytes: [0x20, 0x24, 0x05, 0x01, 0x08, 0x15, 0x30, 0],
        status: 0x0200,
        hr: 72,
        spo2: 97,
        reserved: 0,
        extra: [],
      },
    ]);
    const drafts = noninSpotCheckToDrafts(packets[0]!);
    expect(drafts.map((d) => [d.code.loinc, d.value?.value, d.status, d.lane])).toEqual([
      ['2708-6', 97, 'final', 'spot'],
      ['8867-4', 72, 'final', 'spot'],
    ]);
    expect(drafts[0]?.flags).toEqual(['smartpoint']);
  });

  it('rejects a bad checksum, a bad ETX and an impossible length, then finds the next record', () => {
    const badChk = Uint8Array.from(DF13_VECTOR);
    badChk[20] = 0x43;
    const badEtx = Uint8Array.from(DF13_VECTOR);
    badEtx[21] = 0x04;
    const badLen = hex('00 02 00 0D 00 02');
    const { packets, errors } = run(new NoninDf13Parser(), concat([badChk, badEtx, badLen, DF13_VECTOR]));
    expect(packets).toHaveLength(1);
    expect(errors).toEqual(expect.arrayContaining(['checksum', 'framing', 'length', 'garbage']));
  });

  it('round-trips records with extra data, through garbage (fast-check)', () => {
    const arb = fc.record({
      timestamp: fc.record({
        year: fc.integer({ min: 2000, max: 2099 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
        hours: fc.integer({ min: 0, max: 23 }),
        minutes: fc.integer({ min: 0, max: 59 }),
        seconds: fc.integer({ min: 0, max: 59 }),
      }),
      status: fc.integer({ min: 0, max: 0xffff }),
      hr: fc.option(fc.integer({ min: 0, max: 510 }), { nil: null }),
      spo2: fc.option(fc.integer({ min: 0, max: 126 }), { nil: null }),
      reserved: fc.integer({ min: 0, max: 255 }),
      extra: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 30 }), (rs: NoninDf13Input[], garbage) => {
        const out = run(new NoninDf13Parser(), concat(rs.flatMap((r) => [garbage, encodeNoninDf13(r)])), [4, 9]).packets;
        expect(
          out.map((p) => ({ timestamp: p.timestamp, status: p.status, hr: p.hr, spo2: p.spo2, reserved: p.reserved, extra: p.extra })),
        ).toEqual(rs);
      }),
      { numRuns: 80 },
    );
  });
});

/** Olimex forum capture of SHIELD-EKG-EMG demo output (P2 packets, counters 0x39, 0x4C, 0x4D). */
const P2_CAPTURE = hex(
  'a55a023901cf021401ff01fc022302040 1'.replace(/ /g, '') +
    'a55a024c01e6022202070 1fd023d021401'.replace(/ /g, '') +
    'a55a024d01df021c020301f80234020c01',
);

describe('OpenEEG P2 parser', () => {
  it('decodes a real capture and counts the packets its counter says were lost', () => {
    const { packets, errors } = run(new OpenEegP2Parser(), P2_CAPTURE, [5]);
    expect(packets.map((p) => [p.counter, p.channels[0], p.channels[1], p.switches, p.lostBefore])).toEqual([
      [0x39, 0x1cf, 0x214, 1, 0],
      [0x4c, 0x1e6, 0x222, 1, 18],
      [0x4d, 0x1df, 0x21c, 1, 0],
    ]);
    expect(errors).toEqual(['counter-gap']);
  });

  it('round-trips, wraps the counter, and resyncs after garbage (fast-check)', () => {
    const arb = fc.record({
      channels: fc.array(fc.integer({ min: 0, max: 1023 }), { minLength: 6, maxLength: 6 }),
      switches: fc.integer({ min: 0, max: 15 }),
    });
    fc.assert(
      fc.property(
        fc.array(arb, { minLength: 2, maxLength: 10 }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 40 }),
        (ps, c0, garbage) => {
          const full = ps.map((p, i) => ({ ...p, counter: (c0 + i) & 0xff }));
          const enc = full.map(encodeOpenEegP2);
          const got = run(new OpenEegP2Parser(), concat([enc[0]!, garbage, ...enc.slice(1)]), [6]).packets;
          expect(got.slice(-(full.length - 1)).map(({ lostBefore, ...p }) => p)).toEqual(full.slice(1));
          expect(got.every((p) => p.lostBefore === 0)).toBe(true);
        },
      ),
    );
  });
});

describe('every serial format', () => {
  it('never throws on arbitrary bytes in arbitrary chunks, and accounts for what it skipped (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SERIAL_FORMAT_NAMES),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        (name, chunks) => {
          const parser = SERIAL_FORMATS[name].createParser();
          const out: SerialPacket[] = [];
          let skipped = 0;
          for (const c of chunks) {
            const o = parser.push(c);
            out.push(...o.packets);
            skipped += o.errors.filter((e) => e.kind === 'garbage').reduce((n, e) => n + e.bytes, 0);
          }
          const f = parser.flush();
          skipped += f.errors.filter((e) => e.kind === 'garbage').reduce((n, e) => n + e.bytes, 0);
          const total = chunks.reduce((n, c) => n + c.length, 0);
          expect(parser.stats.bytesIn).toBe(total);
          expect(skipped).toBeLessThanOrEqual(total);
          expect(out.every((p) => p.format === name)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** `want` appears in `got` in order (other items may sit in between). */
function isSubsequence<T>(want: T[], got: T[]): boolean {
  let i = 0;
  for (const g of got) if (i < want.length && JSON.stringify(g) === JSON.stringify(want[i])) i++;
  return i === want.length;
}

function sumCheck(b: Uint8Array): number {
  return b.reduce((s, x) => (s + x) & 0xff, 0);
}

function buildFrames(
  format: NoninRealtimeFormat,
  fs: { status: number; pleth: number }[],
  hr: number | null,
  spo2: number | null,
): NoninFrame[] {
  const floats = noninFloatSchedule({ hr, spo2 });
  return fs.map((f, i) => ({
    status: (f.status & ~1) | 0x80 | (i === 0 ? 1 : 0),
    pleth: format === 'df2' ? f.pleth & 0xff : f.pleth,
    float: floats[i] ?? 0,
  }));
}

function frames(n: number, hr: number, spo2: number, format: NoninRealtimeFormat): NoninFrame[] {
  void n;
  return buildFrames(
    format,
    Array.from({ length: 25 }, (_, i) => ({ status: 0x80, pleth: 100 + i })),
    hr,
    spo2,
  );
}

/** A lone SYNC frame: closes the last packet's group, as the device's next packet would. */
function syncFrame(format: NoninRealtimeFormat): Uint8Array {
  return encodeNoninRealtimePacket(
    format,
    buildFrames(
      format,
      Array.from({ length: 25 }, () => ({ status: 0x80, pleth: 0 })),
      null,
      null,
    ),
  ).subarray(0, 5);
}
