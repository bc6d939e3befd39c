/**
 * Is a meter's record numbering still the one the gateway's RACP cursor counts in? Numbers restart
 * when a meter is reset (battery change, factory reset, memory cleared), replaced by another with the
 * same address, or when the uint16 sequence number wraps after 65535. Asking "≥ cursor" of such a
 * meter returns nothing, or only old records, and every new reading would be left on the meter.
 *
 * The evidence is what the meter replays, judged by the content keys of the reading store (which
 * name the measurement, not its number — see content-key.ts): the download asks "≥ cursor", so the
 * record AT the cursor comes back too. If the store already has it, the numbering is the same; if it
 * is a reading the store did not know, the meter's number `cursor` now names another measurement.
 * When nothing ≥ cursor exists, the meter's last record decides: a known one means records were
 * deleted on the meter (numbering unchanged), an unknown one with a lower number means a restart.
 * Near the top of the uint16 range, records with small numbers mean the counter wrapped.
 * Pure: facts in, verdict out.
 */

/** Sequence numbers are uint16 (GLS Glucose Measurement, RACP filter type 0x01). */
export const SEQUENCE_MODULUS = 0x10000;
/**
 * Cursor this close to 0xFFFF: also ask for records numbered ≤ WRAP_WINDOW. Larger than a meter's
 * memory (hundreds to ~1000 records), so a small number there can only come after a wrap.
 */
export const WRAP_WINDOW = 4096;

/** What the store made of one replayed record: already there (known), or stored now (new). */
export type RecordOutcome = 'known' | 'new';

export interface NumberingFacts {
  /** The persisted cursor: highest record number committed before this connection. */
  cursor: number;
  /** Records the "≥ cursor" request replayed: record number → outcome. */
  fromCursor: ReadonlyMap<number, RecordOutcome>;
  /**
   * Asked only when "≥ cursor" replayed nothing: the meter's last record (operator 0x06), or 'empty'
   * when the meter answered "no records found". Undefined when not asked or not answered.
   */
  last?: { recordNumber: number; outcome: RecordOutcome } | 'empty';
  /** Asked only near the top of the range: number of stored records numbered ≤ WRAP_WINDOW. */
  lowCount?: number;
}

export type NumberingReason = 'renumbered' | 'wrapped';

export type NumberingVerdict =
  /** Same numbering: move the cursor forward over what came. */
  | { action: 'continue' }
  /** The meter holds no record at all: forget the cursor (next download asks for all; nothing to lose). */
  | { action: 'forget-cursor' }
  /** Numbering restarted: forget the cursor and download all records; content keys drop the known ones. */
  | { action: 'reset'; reason: NumberingReason; meterLast?: number };

export function nearTop(cursor: number): boolean {
  return cursor >= SEQUENCE_MODULUS - 1 - WRAP_WINDOW;
}

export function judgeRecordNumbering(f: NumberingFacts): NumberingVerdict {
  const atCursor = f.fromCursor.get(f.cursor);
  if (nearTop(f.cursor) && (f.lowCount ?? 0) > 0) {
    const low = [...f.fromCursor.keys()].filter((n) => n <= WRAP_WINDOW);
    const meterLast = typeof f.last === 'object' ? f.last.recordNumber : low.length > 0 ? Math.max(...low) : undefined;
    return { action: 'reset', reason: 'wrapped', ...(meterLast !== undefined ? { meterLast } : {}) };
  }
  if (atCursor === 'new') {
    const meterLast = f.fromCursor.size > 0 ? Math.max(...f.fromCursor.keys()) : f.cursor;
    return { action: 'reset', reason: 'renumbered', meterLast };
  }
  if (f.fromCursor.size > 0) return { action: 'continue' };
  if (f.last === 'empty') return { action: 'forget-cursor' };
  if (f.last && f.last.outcome === 'new' && f.last.recordNumber < f.cursor) {
    const wrapped = nearTop(f.cursor) && f.last.recordNumber <= WRAP_WINDOW;
    return { action: 'reset', reason: wrapped ? 'wrapped' : 'renumbered', meterLast: f.last.recordNumber };
  }
  // A known last record below the cursor: records were deleted on the meter, the numbering goes on.
  return { action: 'continue' };
}

/** How far `n` is ahead of `from` in uint16 serial-number arithmetic (RFC 1982): negative = behind. */
export function sequenceDistance(from: number, n: number): number {
  const d = (((n - from) % SEQUENCE_MODULUS) + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
  return d < SEQUENCE_MODULUS / 2 ? d : d - SEQUENCE_MODULUS;
}

/**
 * The cursor after a download: the record number furthest ahead of `from` (serial-number order, so
 * 0 and 1 are ahead of 65535 after a wrap, and old high numbers still on a wrapped meter are behind).
 * Without a `from` (after a renumbering reset), the highest number seen. Undefined when nothing is ahead.
 */
export function cursorAfter(from: number | undefined, seen: Iterable<number>): number | undefined {
  let best: number | undefined;
  for (const n of seen) {
    if (from === undefined) {
      if (best === undefined || n > best) best = n;
    } else if (sequenceDistance(from, n) >= 0 && (best === undefined || sequenceDistance(from, n) > sequenceDistance(from, best))) {
      best = n;
    }
  }
  return best;
}

/** What the gateway keeps about the latest numbering reset of a device (device state, status page). */
export interface RecordNumberingReset {
  reason: NumberingReason;
  /** The cursor before the reset. */
  oldCursor: number;
  /** The meter's newest record number when the reset was seen, if known. */
  meterLast?: number;
  detectedAt: string;
}
