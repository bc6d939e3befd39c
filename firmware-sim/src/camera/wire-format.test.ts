/**
 * The pure parts behind the camera's interoperability: header names, H.264 RTP reading and fmtp,
 * encoder settings validation, and which addresses the camera announces to whom.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { addressesFacing } from './discovery.js';
import { h264Fmtp, nalStarts, rtpPayload, startsKeyframe } from './h264-rtp.js';
import { conventionalHeaderName } from './header-names.js';
import { isWildcardAddress, urlHost } from './rtsp-server.js';
import { DEFAULT_VIDEO_ENCODER, videoEncoderSettings } from './video-encoder.js';

describe('header names', () => {
  it('are written as cameras write them', () => {
    const cases: Record<string, string> = {
      'content-type': 'Content-Type',
      'CONTENT-LENGTH': 'Content-Length',
      'www-authenticate': 'WWW-Authenticate',
      cseq: 'CSeq',
      'content-base': 'Content-Base',
      date: 'Date',
      'x-custom-thing': 'X-Custom-Thing',
    };
    for (const [raw, want] of Object.entries(cases)) expect(conventionalHeaderName(raw)).toBe(want);
  });
});

describe('H.264 over RTP', () => {
  const sps = Buffer.from('6742c016da0280bfe5c05a830303528000000300800000f1e2c5d4', 'hex');
  const pps = Buffer.from('68ce3c80', 'hex');
  const rtp = (payload: Buffer, extra = Buffer.alloc(0)) =>
    Buffer.concat([Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]), extra, payload]);

  it('finds the NAL units starting in single, STAP-A and FU-A packets', () => {
    const stap = Buffer.concat([Buffer.from([0x18, 0, sps.length]), sps, Buffer.from([0, pps.length]), pps]);
    const starts = nalStarts(rtpPayload(rtp(stap)) as Buffer);
    expect(starts.map((s) => s.type)).toEqual([7, 8]);
    expect(starts[0]?.nal).toEqual(sps);
    expect(startsKeyframe(starts)).toBe(true);
    expect(nalStarts(Buffer.from([0x7c, 0x85, 1, 2])).map((s) => s.type)).toEqual([5]); // FU-A start of an IDR
    expect(nalStarts(Buffer.from([0x7c, 0x05, 1, 2]))).toEqual([]); // FU-A continuation
    expect(startsKeyframe(nalStarts(Buffer.from([0x41, 0x9a])))).toBe(false); // non-IDR slice
  });

  it('skips CSRCs and header extensions, refuses what is not RTP', () => {
    const withCsrc = Buffer.concat([Buffer.from([0x81, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]), Buffer.from([0x65, 1])]);
    expect(rtpPayload(withCsrc)).toEqual(Buffer.from([0x65, 1]));
    const withExt = Buffer.concat([
      Buffer.from([0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 1, 2, 3, 4]),
      Buffer.from([0x41]),
    ]);
    expect(rtpPayload(withExt)).toEqual(Buffer.from([0x41]));
    expect(rtpPayload(Buffer.from([0x00, 1, 2]))).toBeNull();
  });

  it('describes the parameter sets in the fmtp', () => {
    expect(h264Fmtp(sps, pps)).toBe(
      `packetization-mode=1;profile-level-id=42c016;sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`,
    );
  });
});

describe('encoder settings', () => {
  it('fill in defaults and refuse what the encoder cannot run, naming the field', () => {
    expect(videoEncoderSettings()).toEqual(DEFAULT_VIDEO_ENCODER);
    expect(videoEncoderSettings({ bitrateKbps: 250, govLength: 30 })).toEqual({
      ...DEFAULT_VIDEO_ENCODER,
      bitrateKbps: 250,
      govLength: 30,
    });
    expect(() => videoEncoderSettings({ fps: 0 })).toThrow(/fps=0/);
    expect(() => videoEncoderSettings({ bitrateKbps: 1.5 })).toThrow(/bitrateKbps=1.5/);
    expect(() => videoEncoderSettings({ height: 241 })).toThrow(/height=241 must be even/);
  });
});

describe('announced addresses', () => {
  const iface = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
    address,
    netmask,
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: null,
  });
  const host = {
    lo: [iface('127.0.0.1', '255.0.0.0', true)],
    eth0: [iface('192.168.1.5', '255.255.255.0')],
    wlan0: [iface('10.0.7.20', '255.255.0.0')],
  };

  it('a prober gets the address of the interface on its subnet; an unknown one every external address', () => {
    expect(addressesFacing('192.168.1.77', host)).toEqual(['192.168.1.5']);
    expect(addressesFacing('10.0.200.1', host)).toEqual(['10.0.7.20']);
    expect(addressesFacing('127.0.0.1', host)).toEqual(['127.0.0.1']);
    expect(addressesFacing('172.16.0.9', host)).toEqual(['192.168.1.5', '10.0.7.20']);
    expect(addressesFacing('172.16.0.9', { lo: host.lo })).toEqual(['127.0.0.1']);
  });

  it('URL hosts: wildcards recognised, IPv4-mapped unwrapped, IPv6 bracketed', () => {
    expect(isWildcardAddress('0.0.0.0')).toBe(true);
    expect(isWildcardAddress('::')).toBe(true);
    expect(isWildcardAddress('127.0.0.1')).toBe(false);
    expect(urlHost('::ffff:192.168.1.5')).toBe('192.168.1.5');
    expect(urlHost('fe80::1')).toBe('[fe80::1]');
    expect(urlHost('10.0.0.1')).toBe('10.0.0.1');
  });
});
