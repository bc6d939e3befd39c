/**
 * Waveform segments (Observations carrying SampledData, linked by `segment`) → one WFDB record:
 * segments in index order, concatenated; gain = 1/factor, baseline = −origin/factor, units = the
 * origin's UCUM unit, fs = 1000/periodMs, base time = the first segment's effective time. FHIR's
 * E/L/U tokens become WFDB invalid samples. Pure; mismatched or missing segments are errors.
 */
import type { Observation, SampledData } from '@telecart/protocol';
import { type CodecResult, fail } from '../codecs/result.js';
import { WFDB_INVALID, type WfdbFiles, type WfdbFormat, writeWfdb } from './wfdb.js';

export type WaveformSegment = Pick<Observation, 'sampledData' | 'segment' | 'time'>;

export interface SegmentsToWfdbOptions {
  /** Record name (letters, digits, underscores). */
  name: string;
  /** Default: 212 when every sample fits 12 bits, else 16. */
  format?: WfdbFormat;
}

/** Digital values of one SampledData string; null marks E/L/U (no valid value). */
export function parseSampledData(data: string): CodecResult<(number | null)[]> {
  const out: (number | null)[] = [];
  for (const tok of data.split(/\s+/)) {
    if (tok === '') continue;
    if (tok === 'E' || tok === 'L' || tok === 'U') out.push(null);
    else {
      const v = Number(tok);
      if (!Number.isInteger(v)) return fail('data', `"${tok.slice(0, 20)}" is not an integer sample`);
      out.push(v);
    }
  }
  return { ok: true, value: out };
}

function sameShape(a: SampledData, b: SampledData): boolean {
  return (
    a.periodMs === b.periodMs &&
    a.dimensions === b.dimensions &&
    (a.factor ?? 1) === (b.factor ?? 1) &&
    a.origin.value === b.origin.value &&
    a.origin.unit === b.origin.unit &&
    (a.channels ?? []).join('\u0000') === (b.channels ?? []).join('\u0000')
  );
}

export function segmentsToWfdb(segments: readonly WaveformSegment[], opts: SegmentsToWfdbOptions): CodecResult<WfdbFiles> {
  if (segments.length === 0) return fail('segments', 'no segment');
  const sorted = [...segments].sort((x, y) => (x.segment?.index ?? 0) - (y.segment?.index ?? 0));
  const first = sorted[0]?.sampledData;
  if (!first) return fail('segments.0', 'no sampledData');
  const nsig = first.dimensions;
  const channels: (number | null)[][] = Array.from({ length: nsig }, () => []);
  for (let i = 0; i < sorted.length; i++) {
    const seg = sorted[i] as WaveformSegment;
    if (seg.segment && seg.segment.index !== i) return fail(`segments.${i}`, `segment ${i} is missing (next is ${seg.segment.index})`);
    const sd = seg.sampledData;
    if (!sd) return fail(`segments.${i}`, 'no sampledData');
    if (!sameShape(first, sd)) return fail(`segments.${i}`, 'period, factor, origin, dimensions or channels differ from segment 0');
    const values = parseSampledData(sd.data);
    if (!values.ok) return fail(`segments.${i}.${values.error.field}`, values.error.reason);
    if (values.value.length % nsig !== 0)
      return fail(`segments.${i}.data`, `${values.value.length} values for ${nsig} interleaved channels`);
    values.value.forEach((v, k) => {
      (channels[k % nsig] as (number | null)[]).push(v);
    });
  }
  const factor = first.factor ?? 1;
  if (!(factor > 0)) return fail('factor', `${factor}: must be > 0`);
  const baseline = -first.origin.value / factor;
  if (Math.abs(baseline - Math.round(baseline)) > 1e-6)
    return fail('origin', `origin ${first.origin.value} is not a whole number of factor ${factor}`);
  const fits12 = channels.every((ch) => ch.every((v) => v === null || (v >= -2047 && v <= 2047)));
  const format: WfdbFormat = opts.format ?? (fits12 ? 212 : 16);
  const invalid = WFDB_INVALID[format];
  const start = sorted[0]?.time.effective;
  return writeWfdb({
    name: opts.name,
    samplingFrequency: 1000 / first.periodMs,
    format,
    signals: Array.from({ length: nsig }, (_, s) => ({
      description: first.channels?.[s] ?? `signal ${s}`,
      gain: 1 / factor,
      baseline: Math.round(baseline),
      units: first.origin.unit,
    })),
    samples: channels.map((ch) => Int32Array.from(ch, (v) => (v === null ? invalid : v))),
    ...(start ? { baseTime: new Date(start) } : {}),
  });
}
