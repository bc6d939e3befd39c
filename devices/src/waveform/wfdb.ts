/**
 * WFDB (PhysioNet) records: a header (.hea, text) and a signal file (.dat, bytes), written and read
 * without I/O. Formats 16 (int16 little-endian) and 212 (two 12-bit samples in 3 bytes), samples
 * interleaved frame by frame, as in `wfdb-python` (_signal.py, _header.py) and MIT-BIH record 100.
 *
 *   record line:  name nsig fs nsamp [hh:mm:ss dd/mm/yyyy]
 *   signal line:  file fmt gain(baseline)/units adcres adczero initval checksum blocksize description
 *
 * physical = (digital − baseline) / gain. Invalid samples are −32768 (16) and −2048 (212).
 * Results are typed CodecResults: a value out of a format's range is an error, never a wrap-around.
 */
import { type CodecResult, fail } from '../codecs/result.js';

export type WfdbFormat = 16 | 212;

export const WFDB_INVALID: Readonly<Record<WfdbFormat, number>> = { 16: -32768, 212: -2048 };
const RANGE: Readonly<Record<WfdbFormat, [number, number]>> = { 16: [-32768, 32767], 212: [-2048, 2047] };
const ADC_RES: Readonly<Record<WfdbFormat, number>> = { 16: 16, 212: 12 };

export interface WfdbSignal {
  /** Description column, e.g. the lead 'MLII' or 'II'. */
  description: string;
  /** ADC units per physical unit. */
  gain: number;
  /** Digital value of physical zero. */
  baseline: number;
  units: string;
  /** Default: 16 for format 16, 12 for 212. */
  adcResolution?: number;
  /** Default 0. */
  adcZero?: number;
}

export interface WfdbRecord {
  /** Letters, digits and underscores; the .dat file is `<name>.dat`. */
  name: string;
  samplingFrequency: number;
  format: WfdbFormat;
  signals: WfdbSignal[];
  /** One array per signal, all the same length; WFDB_INVALID[format] marks a missing sample. */
  samples: Int32Array[];
  /** Base time and date of the first sample (UTC fields are written). */
  baseTime?: Date;
}

export interface WfdbFiles {
  headerName: string;
  header: string;
  datName: string;
  dat: Uint8Array;
}

export interface WfdbHeaderSignal extends Required<WfdbSignal> {
  fileName: string;
  format: number;
  initialValue: number;
  checksum: number;
}

export interface WfdbHeader {
  name: string;
  signalCount: number;
  samplingFrequency: number;
  sampleCount: number;
  baseTime: string | null;
  baseDate: string | null;
  signals: WfdbHeaderSignal[];
}

const NAME = /^[A-Za-z0-9_]+$/;

/** Number in the header: integers as such, others with up to 12 significant digits. */
function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
}

/** WFDB checksum: the 16-bit two's-complement sum of the samples. */
export function wfdbChecksum(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + (samples[i] ?? 0)) & 0xffff;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export function writeWfdb(rec: WfdbRecord): CodecResult<WfdbFiles> {
  if (!NAME.test(rec.name)) return fail('name', `record name "${rec.name}": letters, digits and underscores only`);
  if (!(rec.samplingFrequency > 0)) return fail('samplingFrequency', `${rec.samplingFrequency}: must be > 0`);
  const nsig = rec.signals.length;
  if (nsig === 0) return fail('signals', 'no signal');
  if (rec.samples.length !== nsig) return fail('samples', `${rec.samples.length} sample arrays for ${nsig} signals`);
  const n = rec.samples[0]?.length ?? 0;
  if (rec.samples.some((s) => s.length !== n)) return fail('samples', 'signals differ in length');
  const [lo, hi] = RANGE[rec.format];
  for (let s = 0; s < nsig; s++) {
    const arr = rec.samples[s] as Int32Array;
    for (let i = 0; i < n; i++) {
      const v = arr[i] as number;
      if (v < lo || v > hi) return fail(`samples.${s}.${i}`, `${v} does not fit format ${rec.format} (${lo}…${hi})`);
    }
  }
  const sig0 = rec.signals.find((s) => !(s.gain > 0) || /\s/.test(s.units) || /[\r\n]/.test(s.description));
  if (sig0) return fail('signals', `signal "${sig0.description}": gain must be > 0, units without spaces, description on one line`);

  const total = n * nsig;
  let dat: Uint8Array;
  if (rec.format === 16) {
    dat = new Uint8Array(total * 2);
    const view = new DataView(dat.buffer);
    for (let i = 0; i < n; i++)
      for (let s = 0; s < nsig; s++) view.setInt16((i * nsig + s) * 2, (rec.samples[s] as Int32Array)[i] as number, true);
  } else {
    dat = new Uint8Array(Math.ceil(total / 2) * 3);
    for (let k = 0; k < total; k += 2) {
      const a = (rec.samples[k % nsig] as Int32Array)[Math.floor(k / nsig)] as number;
      const b = k + 1 < total ? ((rec.samples[(k + 1) % nsig] as Int32Array)[Math.floor((k + 1) / nsig)] as number) : 0;
      const o = (k / 2) * 3;
      dat[o] = a & 0xff;
      dat[o + 1] = ((a >> 8) & 0x0f) | (((b >> 8) & 0x0f) << 4);
      dat[o + 2] = b & 0xff;
    }
  }

  const datName = `${rec.name}.dat`;
  let recordLine = `${rec.name} ${nsig} ${num(rec.samplingFrequency)} ${n}`;
  if (rec.baseTime) {
    const t = rec.baseTime;
    const ms = t.getUTCMilliseconds();
    const time = `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}${ms ? `.${String(ms).padStart(3, '0')}` : ''}`;
    recordLine += ` ${time} ${pad2(t.getUTCDate())}/${pad2(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
  }
  const lines = [recordLine];
  rec.signals.forEach((sig, s) => {
    const arr = rec.samples[s] as Int32Array;
    lines.push(
      [
        datName,
        String(rec.format),
        `${num(sig.gain)}(${Math.round(sig.baseline)})/${sig.units}`,
        String(sig.adcResolution ?? ADC_RES[rec.format]),
        String(sig.adcZero ?? 0),
        String(n > 0 ? arr[0] : 0),
        String(wfdbChecksum(arr)),
        '0',
        sig.description,
      ].join(' '),
    );
  });
  return { ok: true, value: { headerName: `${rec.name}.hea`, header: `${lines.join('\n')}\n`, datName, dat } };
}

/** Parses a single-segment header (comments and blank lines skipped). */
export function parseWfdbHeader(text: string): CodecResult<WfdbHeader> {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const rl = lines[0]?.split(/\s+/);
  if (!rl || rl.length < 2) return fail('record', 'no record line');
  const [name = '', nsigText = ''] = rl;
  if (nsigText.includes('/') || name.includes('/')) return fail('record', 'multi-segment records are not supported');
  const nsig = Number(nsigText);
  if (!Number.isInteger(nsig) || nsig < 0) return fail('record', `signal count "${nsigText}"`);
  const fs = Number((rl[2] ?? '250').split('/')[0]);
  const nsamp = Number(rl[3] ?? '0');
  if (!(fs > 0) || !Number.isInteger(nsamp)) return fail('record', `sampling frequency "${rl[2]}" or sample count "${rl[3]}"`);
  const signals: WfdbHeaderSignal[] = [];
  for (let s = 0; s < nsig; s++) {
    const f = lines[1 + s]?.split(/\s+/);
    if (!f || f.length < 2) return fail(`signal.${s}`, 'missing signal line');
    const format = Number((f[1] ?? '').split(/[x:+]/)[0]);
    // gain(baseline)/units; the baseline defaults to adczero, the gain to 200, units to mV.
    const g = /^([-+\d.eE]+)(?:\(([-\d]+)\))?(?:\/(\S+))?$/.exec(f[2] ?? '200');
    if (!g) return fail(`signal.${s}.gain`, `"${f[2]}"`);
    const adcZero = Number(f[4] ?? '0');
    const gain = Number(g[1]);
    signals.push({
      fileName: f[0] ?? '',
      format,
      gain: gain === 0 ? 200 : gain,
      baseline: g[2] !== undefined ? Number(g[2]) : adcZero,
      units: g[3] ?? 'mV',
      adcResolution: Number(f[3] ?? '0'),
      adcZero,
      initialValue: Number(f[5] ?? String(adcZero)),
      checksum: Number(f[6] ?? '0'),
      description: f.slice(8).join(' '),
    });
  }
  return {
    ok: true,
    value: {
      name,
      signalCount: nsig,
      samplingFrequency: fs,
      sampleCount: nsamp,
      baseTime: rl[4] ?? null,
      baseDate: rl[5] ?? null,
      signals,
    },
  };
}

/** Reads the samples of a record whose signals all live in one .dat file, in format 16 or 212. */
export function readWfdbSamples(header: WfdbHeader, dat: Uint8Array): CodecResult<Int32Array[]> {
  const nsig = header.signalCount;
  const format = header.signals[0]?.format;
  if (format !== 16 && format !== 212) return fail('format', `format ${format} is not supported (16, 212)`);
  if (header.signals.some((s) => s.format !== format || s.fileName !== header.signals[0]?.fileName))
    return fail('format', 'signals in several files or formats are not supported');
  const perFrame = format === 16 ? 2 * nsig : 1.5 * nsig;
  const frames = header.sampleCount > 0 ? header.sampleCount : Math.floor(dat.length / perFrame);
  const total = frames * nsig;
  const need = format === 16 ? total * 2 : Math.ceil(total / 2) * 3;
  if (dat.length < need) return fail('dat', `${dat.length} bytes, ${need} needed for ${frames} frames`);
  const out = Array.from({ length: nsig }, () => new Int32Array(frames));
  const view = new DataView(dat.buffer, dat.byteOffset, dat.byteLength);
  for (let k = 0; k < total; k++) {
    let v: number;
    if (format === 16) v = view.getInt16(k * 2, true);
    else {
      const o = Math.floor(k / 2) * 3;
      const b1 = dat[o + 1] as number;
      v = k % 2 === 0 ? (dat[o] as number) | ((b1 & 0x0f) << 8) : (dat[o + 2] as number) | ((b1 >> 4) << 8);
      if (v > 2047) v -= 4096;
    }
    (out[k % nsig] as Int32Array)[Math.floor(k / nsig)] = v;
  }
  return { ok: true, value: out };
}
