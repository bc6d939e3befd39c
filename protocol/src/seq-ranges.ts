import type { SeqRanges } from './schemas/batch.js';

/** Compresses sequence numbers into sorted inclusive runs. */
export function toSeqRanges(seqs: Iterable<number>): SeqRanges {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

export function* expandSeqRanges(ranges: SeqRanges): Generator<number> {
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) yield s;
}

export function seqRangesCount(ranges: SeqRanges): number {
  return ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
}
