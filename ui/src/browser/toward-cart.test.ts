import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONVO_CAPS } from './conversation.js';
import { FULL_VOICE, towardCart, WEAK_DOWNLINK_VOICE } from './toward-cart.js';

const level = fc.oneof(fc.constantFrom('full', 'ptz-paused', 'room-paused', 'lean-audio'), fc.string());
const downlink = fc.record({ videoPaused: fc.boolean(), settling: fc.boolean() });

describe('towardCart', () => {
  it('the voice always goes, within the conversation’s cap, in 20 or 60 ms frames', () => {
    fc.assert(
      fc.property(level, downlink, (l, d) => {
        const p = towardCart(l, d);
        expect(p.voiceKbps).toBeGreaterThan(0);
        expect(p.voiceKbps * 1000).toBeLessThanOrEqual(CONVO_CAPS.audioMaxBitrate);
        expect([20, 60]).toContain(p.voiceFrameMs);
      }),
    );
  });

  it('a weak downlink: no video, the voice lighter (60 ms frames, 16 kbit/s) whatever the uplink level', () => {
    fc.assert(
      fc.property(level, fc.boolean(), (l, settling) => {
        expect(towardCart(l, { videoPaused: true, settling })).toEqual({ video: false, ...WEAK_DOWNLINK_VOICE });
      }),
    );
  });

  it('a resumed camera on trial: the video (unless lean-audio), the voice still lighter', () => {
    fc.assert(
      fc.property(level, (l) => {
        expect(towardCart(l, { videoPaused: false, settling: true })).toEqual({ video: l !== 'lean-audio', ...WEAK_DOWNLINK_VOICE });
      }),
    );
  });

  it('a downlink that carries it: the full voice; the video unless the uplink is at lean-audio', () => {
    fc.assert(
      fc.property(level, (l) => {
        expect(towardCart(l, { videoPaused: false, settling: false })).toEqual({ video: l !== 'lean-audio', ...FULL_VOICE });
      }),
    );
  });

  it('the weak voice sends fewer packets and fewer bits than the full one', () => {
    expect(WEAK_DOWNLINK_VOICE.voiceFrameMs).toBeGreaterThan(FULL_VOICE.voiceFrameMs);
    expect(WEAK_DOWNLINK_VOICE.voiceKbps).toBeLessThan(FULL_VOICE.voiceKbps);
    expect(FULL_VOICE.voiceKbps * 1000).toBe(CONVO_CAPS.audioMaxBitrate);
  });
});
