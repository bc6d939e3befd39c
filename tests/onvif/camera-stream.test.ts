/**
 * The simulated camera's RTSP stream as outside tools see it, over loopback:
 *  - ffmpeg (Debian package, `-v error`) decodes it clean over TCP and UDP: no error line, every
 *    frame of the few seconds read, at the size the Media service reports (it used to log "corrupt
 *    decoded frame" / non-monotonic DTS: x264's sliced threads cut each picture into one slice per
 *    core and the payloader put SPS/PPS before each IDR slice);
 *  - on the wire (a small RTSP client): one slice per picture, SPS/PPS only with IDR pictures, the
 *    first packet a client gets starts a keyframe, the SDP's sprop-parameter-sets are the stream's;
 *  - what GetProfiles / GetVideoEncoderConfiguration report is what runs: GovLength = the IDR spacing
 *    measured in the stream, FrameRateLimit = the RTP timestamp step, Resolution = ffmpeg's decoded
 *    size, BitrateLimit and GovLength = the running x264enc's arguments; other settings change both.
 */
import { readFileSync } from 'node:fs';
import { type SimCamera, type SimCameraOptions, startSimCamera } from '@telecart/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessUnit, ffmpegDecode, haveTool, rtspCapture, soapCall, xmlText } from './camera-probes.js';

const FFMPEG = haveTool('ffmpeg');
if (!FFMPEG) console.warn('camera-stream.test.ts skipped: ffmpeg is not installed (Debian package ffmpeg; scripts/setup.sh installs it)');

const cameras: SimCamera[] = [];
afterEach(async () => {
  for (const c of cameras.splice(0)) await c.stop();
});

async function camera(stream: SimCameraOptions['stream']): Promise<SimCamera> {
  const c = await startSimCamera({ auth: 'none', snapshots: false, stream });
  cameras.push(c);
  return c;
}

const isSlice = (t: number) => t === 1 || t === 5;

interface Reported {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  govLength: number;
}

/** The encoder as GetVideoEncoderConfiguration describes it, checked equal to GetProfiles' copy. */
async function reported(cam: SimCamera): Promise<Reported> {
  const profiles = await soapCall(cam.mediaServiceUrl, '<trt:GetProfiles/>');
  const token = /VideoEncoderConfiguration token="([^"]+)"/.exec(profiles)?.[1] ?? '';
  const conf = await soapCall(
    cam.mediaServiceUrl,
    `<trt:GetVideoEncoderConfiguration><trt:ConfigurationToken>${token}</trt:ConfigurationToken></trt:GetVideoEncoderConfiguration>`,
  );
  const read = (xml: string): Reported => ({
    width: Number(xmlText(xml, 'Width')),
    height: Number(xmlText(xml, 'Height')),
    fps: Number(xmlText(xml, 'FrameRateLimit')),
    bitrateKbps: Number(xmlText(xml, 'BitrateLimit')),
    govLength: Number(xmlText(xml, 'GovLength')),
  });
  const fromProfile = read(/<tt:VideoEncoderConfiguration[\s\S]*<\/tt:VideoEncoderConfiguration>/.exec(profiles)?.[0] ?? '');
  expect(read(conf)).toEqual(fromProfile);
  return fromProfile;
}

function idrIndices(units: AccessUnit[]): number[] {
  return units.flatMap((u, i) => (u.nals.includes(5) ? [i] : []));
}

describe.skipIf(!FFMPEG)('the simulated camera stream, read by ffmpeg and on the wire', () => {
  it.each([
    { name: 'default settings', stream: true as const, captureMs: 2600 },
    {
      name: '320×240, 10 fps, 250 kbit/s, GOP 20',
      stream: { width: 320, height: 240, fps: 10, bitrateKbps: 250, govLength: 20 },
      captureMs: 4600,
    },
  ])(
    '$name: decodes clean, one slice per picture, and the Media service reports what runs',
    async ({ stream, captureMs }) => {
      const cam = await camera(stream);
      const uri = cam.streamUri as string;
      const want = await reported(cam);
      if (stream !== true) expect(want).toEqual(stream);

      const [tcp, udp, wire] = await Promise.all([ffmpegDecode(uri, 'tcp', 3), ffmpegDecode(uri, 'udp', 3), rtspCapture(uri, captureMs)]);

      for (const d of [tcp, udp]) {
        expect(d.errors).toBe('');
        expect(d.code).toBe(0);
        // Three seconds at the reported rate; the first picture may wait for the next keyframe.
        expect(d.frames).toBeGreaterThanOrEqual(3 * want.fps - want.govLength);
        expect({ width: d.width, height: d.height }).toEqual({ width: want.width, height: want.height });
      }

      const units = wire.units;
      expect(units.length).toBeGreaterThan(want.fps);
      // A client's first packet starts a keyframe; each IDR picture is SPS, PPS, one slice (once
      // each: two IDR slices each behind its own SPS/PPS is what ffmpeg split pictures at); every
      // other picture is one slice.
      expect(units[0]?.nals).toEqual([7, 8, 5]);
      for (const u of units) {
        expect(u.nals.filter(isSlice)).toHaveLength(1);
        if (u.nals.includes(5)) expect(u.nals).toEqual([7, 8, 5]);
        else expect(u.nals).toEqual([1]);
      }

      // The SDP's parameter sets and profile-level-id are the stream's own.
      const sps = units[0]?.sps as Buffer;
      const pps = units[0]?.pps as Buffer;
      expect(wire.sdp).toContain(`sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`);
      expect(wire.sdp).toContain(`profile-level-id=${sps.subarray(1, 4).toString('hex')}`);

      // GovLength is the measured IDR spacing; FrameRateLimit the RTP timestamp step.
      const idr = idrIndices(units);
      expect(idr.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < idr.length; i++) expect((idr[i] ?? 0) - (idr[i - 1] ?? 0)).toBe(want.govLength);
      for (let i = 1; i < units.length; i++) expect(((units[i]?.ts ?? 0) - (units[i - 1]?.ts ?? 0)) >>> 0).toBe(90_000 / want.fps);

      // BitrateLimit (and GovLength) are the running encoder's own arguments.
      const argv = readFileSync(`/proc/${cam.streamEncoderPid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('x264enc');
      expect(argv).toContain(`bitrate=${want.bitrateKbps}`);
      expect(argv).toContain(`key-int-max=${want.govLength}`);
      expect(argv).toContain(`video/x-raw,width=${want.width},height=${want.height},framerate=${want.fps}/1`);
    },
    40_000,
  );

  it('refuses encoder settings it cannot run, with the field named', async () => {
    await expect(startSimCamera({ stream: { width: 321 } })).rejects.toThrow(/width=321 must be even/);
    await expect(startSimCamera({ stream: { govLength: 0 } })).rejects.toThrow(/govLength=0 must be a whole number/);
  });
});
