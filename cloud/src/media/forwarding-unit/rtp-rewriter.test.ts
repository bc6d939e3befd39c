import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RtpIn, RtpRewriter, unwrapSeq } from './rtp-rewriter.js';

const VP8_SOURCE = 100;
const VP8_VIEWER = 96;
const make = () => new RtpRewriter({ clockRate: 90_000, payloadTypes: new Map([[VP8_SOURCE, VP8_VIEWER]]) });
const pkt = (p: Partial<RtpIn> & { sequenceNumber: number }): RtpIn => ({
  ssrc: 1111,
  timestamp: 3000 * p.sequenceNumber,
  payloadType: VP8_SOURCE,
  paddingOnly: false,
  ...p,
});
function out(r: ReturnType<RtpRewriter['rewrite']>) {
  if (!('forward' in r)) throw new Error(`dropped: ${r.drop}`);
  return r.forward;
}

describe('RtpRewriter', () => {
  it('rewrites the payload type to the viewer’s number and drops one the viewer did not negotiate', () => {
    const w = make();
    expect(out(w.rewrite(pkt({ sequenceNumber: 10 }), 0)).payloadType).toBe(VP8_VIEWER);
    // RTX (97 here) was not negotiated towards the viewer: not forwarded, and no hole left for it.
    expect(w.rewrite(pkt({ sequenceNumber: 11, payloadType: 97 }), 0)).toEqual({ drop: 'unknown-payload-type' });
    expect(out(w.rewrite(pkt({ sequenceNumber: 12 }), 0)).sequenceNumber).toBe(11);
  });

  it('after a pause, continues the viewer’s numbering and timeline with no gap, and refuses what came before', () => {
    const w = make();
    expect(out(w.rewrite(pkt({ sequenceNumber: 500 }), 0)).sequenceNumber).toBe(500);
    const last = out(w.rewrite(pkt({ sequenceNumber: 501 }), 0));
    w.resume();
    // 502–899 were not forwarded (the viewer's video paused for 2 s).
    const next = out(w.rewrite(pkt({ sequenceNumber: 900 }), 2000));
    expect(next.sequenceNumber).toBe(502);
    expect(next.timestamp).toBe(last.timestamp + 2 * 90_000);
    expect(out(w.rewrite(pkt({ sequenceNumber: 901 }), 2000)).sequenceNumber).toBe(503);
    expect(w.rewrite(pkt({ sequenceNumber: 700 }), 2000)).toEqual({ drop: 'too-old' });
  });

  it('closes the gaps left by padding-only packets, and keeps a late packet in its place', () => {
    const w = make();
    expect(out(w.rewrite(pkt({ sequenceNumber: 100 }), 0)).sequenceNumber).toBe(100);
    expect(w.rewrite(pkt({ sequenceNumber: 101, paddingOnly: true }), 0)).toEqual({ drop: 'padding' });
    expect(w.rewrite(pkt({ sequenceNumber: 102, paddingOnly: true }), 0)).toEqual({ drop: 'padding' });
    expect(out(w.rewrite(pkt({ sequenceNumber: 104 }), 0)).sequenceNumber).toBe(102);
    // 103 arrives late (reordered or retransmitted): it goes where it belongs, before 104's output.
    expect(out(w.rewrite(pkt({ sequenceNumber: 103 }), 0)).sequenceNumber).toBe(101);
    // The same packet again maps to the same number (a retransmission answers the viewer's NACK).
    expect(out(w.rewrite(pkt({ sequenceNumber: 103 }), 0)).sequenceNumber).toBe(101);
  });

  it('wraps around 65535 → 0 in both sequence numbers and timestamps', () => {
    const w = make();
    const a = out(w.rewrite(pkt({ sequenceNumber: 65_534, timestamp: 0xffff_fff0 }), 0));
    const b = out(w.rewrite(pkt({ sequenceNumber: 65_535, timestamp: 0xffff_fff0 }), 0));
    expect(w.rewrite(pkt({ sequenceNumber: 0, paddingOnly: true }), 0)).toEqual({ drop: 'padding' });
    const c = out(w.rewrite(pkt({ sequenceNumber: 1, timestamp: 2000 }), 0));
    expect([a.sequenceNumber, b.sequenceNumber, c.sequenceNumber]).toEqual([65_534, 65_535, 0]);
    expect(c.timestamp).toBe(2000);
  });

  it('a source replacing another continues the viewer’s numbering and timeline', () => {
    const w = make();
    const last = out(w.rewrite(pkt({ sequenceNumber: 500, timestamp: 1_000_000 }), 10_000));
    // Another participant (another SSRC, numbering and clock of its own) takes the slot 200 ms later.
    const first = out(w.rewrite(pkt({ ssrc: 2222, sequenceNumber: 40_000, timestamp: 7 }), 10_200));
    expect(first.sequenceNumber).toBe((last.sequenceNumber + 1) & 0xffff);
    expect(first.timestamp).toBe(last.timestamp + 18_000); // 200 ms at 90 kHz
    const next = out(w.rewrite(pkt({ ssrc: 2222, sequenceNumber: 40_001, timestamp: 3007 }), 10_233));
    expect(next.sequenceNumber).toBe(first.sequenceNumber + 1);
    expect(next.timestamp).toBe(first.timestamp + 3000);
    // A straggler of the new source from before its first packet belongs to no one.
    expect(w.rewrite(pkt({ ssrc: 2222, sequenceNumber: 39_990 }), 10_240)).toEqual({ drop: 'too-old' });
  });

  it('property: in-order media packets, with padding anywhere, come out numbered 1 apart across wraps and switches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65_535 }),
        fc.array(fc.record({ padding: fc.boolean(), switchSource: fc.boolean() }), { minLength: 1, maxLength: 400 }),
        (start, steps) => {
          const w = make();
          let seq = start;
          let ssrc = 1;
          let prev: number | undefined;
          for (const s of steps) {
            if (s.switchSource) {
              ssrc++;
              seq = (seq * 7919 + 13) & 0xffff; // the new source's numbering has nothing to do with the old
            }
            const r = w.rewrite(pkt({ ssrc, sequenceNumber: seq, paddingOnly: s.padding }), 0);
            seq = (seq + 1) & 0xffff;
            if (s.padding) {
              expect(r).toEqual({ drop: 'padding' });
              continue;
            }
            const o = out(r).sequenceNumber;
            if (prev !== undefined) expect(o).toBe((prev + 1) & 0xffff);
            prev = o;
          }
        },
      ),
    );
  });

  it('unwrapSeq picks the extension nearest the reference', () => {
    expect(unwrapSeq(2, 65_534)).toBe(65_538);
    expect(unwrapSeq(65_534, 65_538)).toBe(65_534);
    expect(unwrapSeq(10, 5)).toBe(10);
  });
  it('maps a sender report’s timestamp as the packets of the same source, and none of another or after a resume (fast-check)', () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    fc.assert(
      fc.property(
        fc.array(fc.record({ ssrc: fc.constantFrom(1, 2), ts: u32, at: fc.nat(100_000) }), { minLength: 1, maxLength: 30 }),
        u32,
        fc.integer({ min: -900_000, max: 900_000 }),
        (sources, srTs, ahead) => {
          const w = make();
          let seq = 0;
          let at = 0;
          for (const s of sources) {
            at += s.at;
            const sent = out(w.rewrite(pkt({ ssrc: s.ssrc, sequenceNumber: seq++, timestamp: s.ts }), at));
            // The packet just forwarded, and a report's timestamp anywhere around it: the same offset.
            expect(w.timestampFor(s.ssrc, s.ts)).toBe(sent.timestamp);
            expect(w.timestampFor(s.ssrc, (s.ts + ahead + 2 ** 32) % 2 ** 32)).toBe((sent.timestamp + ahead + 2 ** 32) % 2 ** 32);
            expect(w.timestampFor(s.ssrc === 1 ? 2 : 1, srTs)).toBeUndefined();
          }
          w.resume();
          expect(w.timestampFor(sources.at(-1)?.ssrc ?? 1, srTs)).toBeUndefined();
        },
      ),
    );
  });
});
