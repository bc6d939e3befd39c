import { describe, expect, it } from 'vitest';
import { parseGstError } from './gst.js';
import { PcmSegmenter } from './pcm-segmenter.js';
import { captureArgs, elementsOf, PROCESSING_ELEMENTS } from './pipelines.js';

describe('PcmSegmenter', () => {
  it('cuts any chunking into exact segments, keeping the last (even full-length) for flush', () => {
    const seg = new PcmSegmenter(4);
    const bytes = Buffer.from(Array.from({ length: 24 }, (_, i) => i));
    const out = [...seg.push(bytes.subarray(0, 3)), ...seg.push(bytes.subarray(3, 17)), ...seg.push(bytes.subarray(17))];
    expect(out.map((s) => [s.index, s.startSample, [...s.pcm]])).toEqual([
      [0, 0, [...bytes.subarray(0, 8)]],
      [1, 4, [...bytes.subarray(8, 16)]],
    ]);
    const last = seg.flush();
    expect(last && [last.index, last.startSample, [...last.pcm]]).toEqual([2, 8, [...bytes.subarray(16, 24)]]);
    expect(seg.flush()).toBeNull();
    expect(seg.totalSamples).toBe(12);
  });

  it('drops an odd trailing byte (half a sample) at flush', () => {
    const seg = new PcmSegmenter(10);
    seg.push(Buffer.from([1, 2, 3]));
    expect([...(seg.flush()?.pcm ?? [])]).toEqual([1, 2]);
  });
});

describe('stethoscope pipelines', () => {
  it('captures with no processing element: source, convert, resample, caps, fdsink only', () => {
    const args = captureArgs({ pulseServer: 'unix:/run/pulse/native', pulseDevice: 'alsa_input.usb-steth.mono' }, 16000);
    expect(elementsOf(args)).toEqual(['pulsesrc', 'audioconvert', 'audioresample', 'audio/x-raw', 'fdsink']);
    expect(elementsOf(args).filter((e) => PROCESSING_ELEMENTS.includes(e))).toEqual([]);
    expect(args).toContain('volume=1.0');
    expect(args.find((a) => a.startsWith('stream-properties='))).toContain('filter.suppress=echo-cancel');
    expect(args).toContain('audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1');
  });

  it('refuses a device name that would add pipeline stages', () => {
    expect(() => captureArgs({ pulseDevice: 'x ! webrtcdsp' }, 16000)).toThrow(/must not contain/);
  });

  it('reports the element that failed, not the consequences', () => {
    const stderr = [
      'ERROR: from element /GstPipeline:pipeline0/GstPulseSrc:pulsesrc0: Failed to connect: Connection refused',
      'Additional debug info:',
      "ERROR: pipeline doesn't want to preroll.",
    ].join('\n');
    expect(parseGstError(stderr)).toBe('GstPulseSrc:pulsesrc0: Failed to connect: Connection refused');
    expect(parseGstError('all good')).toBeNull();
  });
});
