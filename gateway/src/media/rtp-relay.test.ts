/**
 * Keyframe detection on RTP payloads built per RFC 6184 (H.264) and RFC 7741 (VP8) and on real
 * packets from gst-launch encoders; sequence/timestamp continuity across encoder restarts, as a
 * property of the rebaser and end to end through RtpRelay with real gst-launch children.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encoderArgs } from './pipelines.js';
import { isKeyframeStart, RtpRebaser, RtpRelay } from './rtp-relay.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** An RTP header (RFC 3550) in front of a payload; optional CSRCs and a header extension. */
function rtp(o: { seq: number; ts: number; ssrc: number; payload: Buffer; csrcs?: number; ext?: number }): Buffer {
  const cc = o.csrcs ?? 0;
  const extBytes = o.ext === undefined ? 0 : 4 + o.ext * 4;
  const b = Buffer.alloc(12 + cc * 4 + extBytes);
  b[0] = 0x80 | (o.ext === undefined ? 0 : 0x10) | cc;
  b[1] = 96;
  b.writeUInt16BE(o.seq & 0xffff, 2);
  b.writeUInt32BE(o.ts >>> 0, 4);
  b.writeUInt32BE(o.ssrc >>> 0, 8);
  if (o.ext !== undefined) {
    b.writeUInt16BE(0xbede, 12 + cc * 4);
    b.writeUInt16BE(o.ext, 12 + cc * 4 + 2);
  }
  return Buffer.concat([b, o.payload]);
}

const header = (m: Buffer) => ({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), ssrc: m.readUInt32BE(8) });
const payloadOf = (m: Buffer) => {
  let off = 12 + ((m[0] ?? 0) & 0x0f) * 4;
  if ((m[0] ?? 0) & 0x10) off += 4 + m.readUInt16BE(off + 2) * 4;
  return m.subarray(off);
};

describe('isKeyframeStart — H.264 (RFC 6184)', () => {
  const cases: [string, string, boolean][] = [
    ['single NAL: IDR slice (type 5)', '65 88 84 00 33', true],
    ['single NAL: SPS (type 7)', '67 42 c0 1f da', true],
    ['single NAL: non-IDR slice (type 1)', '41 9a 22 10', false],
    ['single NAL: PPS (type 8), SEI (type 6) alone', '68 ce 3c 80', false],
    ['STAP-A: AUD, SPS, PPS (as rtph264pay sends before an IDR)', '78 0002 0910 0005 6742c01fda 0004 68ce3c80', true],
    ['STAP-A: AUD then a non-IDR slice', '58 0002 0930 0004 419a2210', false],
    ['STAP-A: a size running past the end (truncated) and no key NAL', '78 0002 0910 00ff 41', false],
    ['FU-A start of an IDR (S bit, type 5)', '7c 85 b8 00 04', true],
    ['FU-A middle of an IDR (no S bit)', '7c 05 11 22', false],
    ['FU-A end of an IDR', '7c 45 11 22', false],
    ['FU-A start of a non-IDR slice', '5c 81 9a 02', false],
    ['one byte only', '65', false],
    ['empty', '', false],
  ];
  for (const [name, bytes, key] of cases) it(`${name} → ${key}`, () => expect(isKeyframeStart('h264', hex(bytes))).toBe(key));
});

describe('isKeyframeStart — VP8 (RFC 7741)', () => {
  // A key frame's payload header: P (bit 0 of the first byte) = 0, then the start code 9d 01 2a.
  const KEY = '50 2a 00 9d 01 2a 40 01 f0 00';
  const INTER = '31 0b 00 11 22 33';
  const cases: [string, string, boolean][] = [
    ['no extension, S=1 PID=0, key frame', `10 ${KEY}`, true],
    ['no extension, S=1 PID=0, inter frame', `10 ${INTER}`, false],
    ['X: 15-bit picture ID (M=1), key frame', `90 80 81 23 ${KEY}`, true],
    ['X: 7-bit picture ID, key frame', `90 80 23 ${KEY}`, true],
    ['X: picture ID, TL0PICIDX, TID/KEYIDX, key frame', `90 f0 80 01 05 20 ${KEY}`, true],
    ['X: picture ID, TL0PICIDX, TID/KEYIDX, inter frame', `90 f0 80 01 05 20 ${INTER}`, false],
    ['X: only KEYIDX (K), key frame', `90 10 05 ${KEY}`, true],
    ['continuation (S=0) whose first byte looks like a key frame', `80 80 81 23 ${KEY}`, false],
    ['S=1 but partition 1 (PID=1)', `11 ${KEY}`, false],
    ['descriptor without a payload header', '90 80 81 23', false],
    ['one byte', '10', false],
  ];
  for (const [name, bytes, key] of cases) it(`${name} → ${key}`, () => expect(isKeyframeStart('vp8', hex(bytes))).toBe(key));

  it('Opus is never a keyframe', () => expect(isKeyframeStart('opus', hex('fc ff fe'))).toBe(false));
});

describe('RtpRebaser', () => {
  it('a new source follows on: next sequence number, timestamp advanced by the wall-clock gap', () => {
    const r = new RtpRebaser(90_000);
    const a = { ssrc: 1, sequenceNumber: 65_534, timestamp: 4_294_960_000 };
    expect(r.rewrite(a, 1000)).toBe(false);
    const a2 = { ssrc: 1, sequenceNumber: 65_535, timestamp: 4_294_966_000 };
    r.rewrite(a2, 1066);
    const b = { ssrc: 2, sequenceNumber: 17, timestamp: 123 };
    expect(r.rewrite(b, 1166)).toBe(true);
    expect(b.sequenceNumber).toBe(0); // 65535 + 1, wrapped
    expect(b.timestamp).toBe((4_294_966_000 + 9000) >>> 0); // 100 ms at 90 kHz, wrapped
    const b2 = { ssrc: 2, sequenceNumber: 18, timestamp: 3123 };
    r.rewrite(b2, 1200);
    expect([b2.sequenceNumber, b2.timestamp]).toEqual([1, (4_294_966_000 + 12_000) >>> 0]);
  });

  it('property: in-order input from any succession of sources comes out as one stream (seq +1, timestamps never back)', () => {
    const source = fc.record({
      ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      seq0: fc.integer({ min: 0, max: 0xffff }),
      ts0: fc.integer({ min: 0, max: 0xffffffff }),
      gapMs: fc.integer({ min: 0, max: 2000 }),
      // packets per frame, and frames
      frames: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(source, { minLength: 1, maxLength: 8 }), (sources) => {
        const r = new RtpRebaser(90_000);
        let now = 0;
        let prev: { seq: number; ts: number; at: number } | null = null;
        let lastSsrc: number | null = null;
        for (const s of sources) {
          const ssrc: number = s.ssrc === lastSsrc ? (s.ssrc + 1) >>> 0 : s.ssrc;
          now += s.gapMs;
          let seq = s.seq0;
          let ts = s.ts0;
          let first = true;
          for (const n of s.frames) {
            for (let k = 0; k < n; k++) {
              const h = { ssrc, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0 };
              const inTs = h.timestamp;
              const fresh = r.rewrite(h, now);
              expect(fresh).toBe(first && lastSsrc !== null);
              if (prev) {
                expect(h.sequenceNumber).toBe((prev.seq + 1) & 0xffff);
                const dts = (h.timestamp - prev.ts) >>> 0;
                expect(dts).toBeLessThan(2 ** 31);
                if (first) expect(dts).toBe(Math.max(1, Math.round(((now - prev.at) * 90_000) / 1000)));
                else expect(dts).toBe(k === 0 ? 6000 : 0);
              }
              expect(inTs).toBe(ts >>> 0);
              prev = { seq: h.sequenceNumber, ts: h.timestamp, at: now };
              first = false;
              seq++;
            }
            ts += 6000;
            now += 66;
          }
          lastSsrc = ssrc;
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** A finite or live test pattern encoded to RTP on `port`. */
function testPattern(codec: 'h264' | 'vp8', port: number, o: { buffers?: number; gop: number }): string[] {
  return [
    'videotestsrc',
    ...(o.buffers ? [`num-buffers=${o.buffers}`] : ['is-live=true']),
    'pattern=smpte',
    '!',
    'video/x-raw,format=I420,width=160,height=120,framerate=30/1',
    '!',
    ...encoderArgs(codec, 200, o.gop),
    '!',
    'udpsink',
    'host=127.0.0.1',
    `port=${port}`,
    // A finite run is paced at the frame rate so no datagram is lost to a burst.
    `sync=${o.buffers ? 'true' : 'false'}`,
  ];
}

describe('RtpRelay with gst-launch encoders', () => {
  for (const codec of ['h264', 'vp8'] as const) {
    it(`${codec}: real encoder packets — keyframes found at the GOP boundaries, counted once per frame`, async () => {
      const out: Buffer[] = [];
      let done: () => void = () => undefined;
      const exited = new Promise<void>((r) => {
        done = r;
      });
      const relay = new RtpRelay({
        kind: codec,
        clockRate: 90_000,
        pipeline: (port) => testPattern(codec, port, { buffers: 20, gop: 5 }),
        sink: { writeRtp: (m) => out.push(Buffer.from(m)) },
        onExit: () => done(),
      });
      await relay.start();
      await exited;
      await new Promise((r) => setTimeout(r, 50));
      await relay.stop();
      const frames = [...new Set(out.map((m) => header(m).ts))];
      expect(frames.length).toBe(20);
      const keyFrames = frames.flatMap((ts, i) =>
        out.some((m) => header(m).ts === ts && isKeyframeStart(codec, payloadOf(m))) ? [i] : [],
      );
      expect(keyFrames).toEqual([0, 5, 10, 15]);
      expect(relay.counters.keyframes).toBe(4);
      expect(relay.counters.packets).toBe(out.length);
    });
  }

  it('restarts of the encoder: one continuous stream, the old source dropped once the new one speaks, each restart opening on a keyframe', async () => {
    const out: Buffer[] = [];
    const relay = new RtpRelay({
      kind: 'vp8',
      clockRate: 90_000,
      pipeline: (port) => testPattern('vp8', port, { gop: 10 }),
      sink: { writeRtp: (m) => out.push(Buffer.from(m)) },
    });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await relay.start();
    await sleep(700);
    await relay.restart();
    await sleep(700);
    await relay.restart();
    await sleep(700);
    await relay.stop();
    const hs = out.map(header);
    const ssrcs = [...new Set(hs.map((h) => h.ssrc))];
    expect(ssrcs.length).toBe(3);
    expect(relay.counters.restarts).toBe(2);
    expect(relay.counters.restartToFirstPacketMs.length).toBe(2);
    for (let i = 1; i < hs.length; i++) {
      const [a, b] = [hs[i - 1]!, hs[i]!];
      expect(b.seq).toBe((a.seq + 1) & 0xffff);
      expect((b.ts - a.ts) >>> 0).toBeLessThan(2 ** 31);
    }
    // Sources follow each other: once a new one has spoken, the old one is never heard again.
    const firstIndex = ssrcs.map((s) => hs.findIndex((h) => h.ssrc === s));
    const lastIndex = ssrcs.map((s) => hs.findLastIndex((h) => h.ssrc === s));
    expect(lastIndex[0]).toBeLessThan(firstIndex[1]!);
    expect(lastIndex[1]).toBeLessThan(firstIndex[2]!);
    for (const i of firstIndex.slice(1)) expect(isKeyframeStart('vp8', payloadOf(out[i]!))).toBe(true);
  });

  it('reads the payload after CSRCs and a header extension; ignores what is not RTP v2', async () => {
    const out: Buffer[] = [];
    const relay = new RtpRelay({
      kind: 'h264',
      clockRate: 90_000,
      pipeline: () => ['fakesrc', 'num-buffers=0', '!', 'fakesink'],
      sink: { writeRtp: (m) => out.push(Buffer.from(m)) },
    });
    await relay.start();
    const { createSocket } = await import('node:dgram');
    const s = createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((r) => s.send(b, relay.port, '127.0.0.1', () => r()));
    await send(rtp({ seq: 1, ts: 10, ssrc: 9, csrcs: 2, ext: 1, payload: hex('65 88 84 00') }));
    await send(Buffer.from('not rtp at all'));
    await send(hex('00 60 00 01'));
    await send(rtp({ seq: 2, ts: 3010, ssrc: 9, payload: hex('41 9a') }));
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    await relay.stop();
    expect(out.length).toBe(2);
    expect(relay.counters.keyframes).toBe(1);
  });
});
