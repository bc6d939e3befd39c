/**
 * The stethoscope's GStreamer pipelines, as gst-launch argument lists (pure). The capture chain is
 * fixed — source → audioconvert → audioresample → caps → fdsink — and nothing from the configuration
 * becomes an element: there is no way to put webrtcdsp (AGC, noise suppression, echo cancellation)
 * or any other processing into it. The PulseAudio stream asks for no filter (filter.suppress) and a
 * non-voice role, so a server with module-echo-cancel or filter-heuristics leaves it alone, and its
 * volume is pinned at 100 % so a restored stream volume cannot scale it.
 */

/** Elements that change the signal's level or content: never in a stethoscope pipeline. */
export const PROCESSING_ELEMENTS: readonly string[] = [
  'webrtcdsp',
  'webrtcechoprobe',
  'audiodynamic',
  'audioamplify',
  'volume',
  'rnnoise',
  'audiornnoise',
  'audiocheblimit',
  'audiochebband',
  'audiowsincband',
  'audiowsinclimit',
  'audioiirfilter',
  'audiofirfilter',
  'ladspa',
];

export interface CaptureSource {
  pulseServer?: string;
  pulseDevice?: string;
}

/** Quotes nothing: gst-launch receives each property as one argv item, no shell in between. */
function prop(name: string, value: string): string {
  if (/[\s!]/.test(value)) throw new Error(`${name} must not contain spaces or '!': ${JSON.stringify(value)}`);
  return `${name}=${value}`;
}

export function rawCaps(rateHz: number): string {
  return `audio/x-raw,format=S16LE,layout=interleaved,rate=${rateHz},channels=1`;
}

/** Capture as 16-bit mono PCM at `rateHz` on stdout. */
export function captureArgs(src: CaptureSource, rateHz: number): string[] {
  const args = ['pulsesrc'];
  if (src.pulseServer) args.push(prop('server', src.pulseServer));
  if (src.pulseDevice) args.push(prop('device', src.pulseDevice));
  args.push(
    'volume=1.0',
    'mute=false',
    'client-name=telecart-stethoscope',
    'stream-properties=props,media.role=production,filter.suppress=echo-cancel,media.name=auscultation',
    '!',
    'audioconvert',
    '!',
    'audioresample',
    '!',
    rawCaps(rateHz),
    '!',
    'fdsink',
    'fd=1',
    'sync=false',
  );
  return args;
}

/** PCM on stdin → a FLAC file (a seekable file, so flacenc writes the total sample count and MD5). */
export function flacEncodeArgs(rateHz: number, outFile: string): string[] {
  return [
    'fdsrc',
    'fd=0',
    '!',
    'rawaudioparse',
    'use-sink-caps=false',
    'format=pcm',
    'pcm-format=s16le',
    `sample-rate=${rateHz}`,
    'num-channels=1',
    '!',
    'flacenc',
    'quality=5',
    '!',
    'filesink',
    prop('location', outFile),
  ];
}

/** The elements of a gst-launch argument list (the first word of each `!`-separated stage). */
export function elementsOf(args: readonly string[]): string[] {
  const out: string[] = [];
  let expect = true;
  for (const a of args) {
    if (a === '!') expect = true;
    else if (expect) {
      out.push(a.split(/[,\s]/)[0] ?? a);
      expect = false;
    }
  }
  return out;
}
