/**
 * Property: what the cloud stores (and serves back) is exactly what the ingest validated.
 *
 * The batch texts are written by hand, as an outside client could: duplicate keys at every level
 * (an attacker's value before the real one, which JSON.parse ignores, or after it, which it keeps),
 * keys the schema does not know,
 * key names and string characters written with \u escapes, unicode, deep nesting and huge numbers
 * in the duplicates. Each text goes through the ingest's own check and a real SQLite store; every
 * reading the store says it stored must read back equal to the object that passed validation.
 */
import { Buffer } from 'node:buffer';
import { compile, Observation } from '@telecart/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { batchOf, reading, type VitalKind } from '../testing/observations.js';
import { checkUplink } from './batch-validation.js';

/** Values an attacker slips in as a duplicate key: another cart, another patient, non-numbers, markup, depth, huge numbers. */
const JUNK = [
  '"cart-9"',
  '{"id":"victim-of-cart-a","assignment":"nurse-selected"}',
  '"<script>alert(1)</script>"',
  '"not a number"',
  '1e400',
  '-1e400',
  '123456789012345678901234567890123456789',
  `${'['.repeat(400)}1${']'.repeat(400)}`,
  '"\\ud83d\\ude00 é ü 中 \\u2028"',
  '"\\u0000"',
  'null',
  'true',
  '{"observations":[{"x":1}]}',
];

/** A cursor over the generated choices: each decision of the writer takes the next one. */
class Choices {
  private i = 0;
  constructor(private readonly xs: readonly number[]) {}
  next(n: number): number {
    const x = this.xs[this.i++ % this.xs.length] ?? 0;
    return x % n;
  }
}

/** A string literal, some characters written as \u escapes. */
function str(s: string, c: Choices): string {
  if (c.next(4) !== 0) return JSON.stringify(s);
  let out = '"';
  for (const ch of s) {
    const lit = JSON.stringify(ch).slice(1, -1);
    out += c.next(2) === 0 ? [...ch].map((_, k) => `\\u${(ch.charCodeAt(k) ?? 0).toString(16).padStart(4, '0')}`).join('') : lit;
  }
  return `${out}"`;
}

/** A junk value shaped like `like`: same-length arrays of junk objects, so a naive slicer sees the expected count. */
function junk(like: unknown, c: Choices): string {
  if (Array.isArray(like)) return `[${like.map((e) => junk(e, c)).join(',')}]`;
  if (like !== null && typeof like === 'object') {
    const keys = Object.keys(like);
    return `{${keys.map((k) => `${str(k, c)}:${JUNK[c.next(JUNK.length)]}`).join(',')}}`;
  }
  return JUNK[c.next(JUNK.length)] as string;
}

/** JSON text of `v` as a hostile but JSON.parse-able writer could produce it. */
function write(v: unknown, c: Choices, junkAfter: boolean): string {
  if (typeof v === 'string') return str(v, c);
  // The same number written another way (exponent, trailing zeros): parses to the same value.
  if (typeof v === 'number') {
    const t = JSON.stringify(v);
    if (t.includes('e')) return t;
    return [t, `${t}e0`, `${t}${Number.isInteger(v) ? '.000' : '0'}`][c.next(3)] as string;
  }
  if (typeof v === 'boolean' || v === null) return JSON.stringify(v);
  const ws = () => [' ', '', '\n', '\t '][c.next(4)];
  if (Array.isArray(v)) return `[${v.map((e) => `${ws()}${write(e, c, junkAfter)}`).join(',')}]`;
  const parts: string[] = [];
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const dupe = c.next(8);
    // Before the real key: JSON.parse keeps the later one, so the reading stays valid.
    if (dupe === 0 || dupe === 1) parts.push(`${str(k, c)}:${junk(val, c)}`);
    parts.push(`${str(k, c)}${ws()}:${ws()}${write(val, c, junkAfter)}`);
    // After it: the junk wins (the reading becomes invalid and must be refused), or the same value again.
    if (dupe === 2 && junkAfter) parts.push(`${str(k, c)}:${junk(val, c)}`);
    if (dupe === 3) parts.push(`${str(k, c)}:${write(val, c, junkAfter)}`);
  }
  // A key the schema does not know, carrying markup: the reading must be refused, not stored with it.
  if (junkAfter && c.next(20) === 0) parts.splice(c.next(parts.length + 1), 0, '"note":"<img src=x onerror=alert(1)>"');
  return `{${parts.join(',')}}`;
}

const observation = compile(Observation);

const KINDS: VitalKind[] = ['bp', 'pulse', 'spo2', 'weight', 'temperature'];

const batches = fc
  .record({
    kinds: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 4 }),
    model: fc.string({ unit: 'grapheme', maxLength: 20 }),
    value: fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), fc.constant(Number.MAX_VALUE)),
    choices: fc.array(fc.nat(), { minLength: 50, maxLength: 400 }),
  })
  .map(({ kinds, model, value, choices }) => {
    const obs = kinds.map((k, i) => {
      const o = reading(k, { seq: i + 1, value: k === 'bp' ? undefined : value });
      o.device.model = model;
      return o;
    });
    const c = new Choices(choices);
    // Junk after a real key makes the reading invalid: only in some batches, or no batch would pass.
    return { text: write(batchOf(obs), c, c.next(4) === 0), obs };
  });

describe('stored = validated (adversarial batch texts)', () => {
  it('every stored reading reads back exactly as the object that passed validation', async () => {
    let storedAny = 0;
    await fc.assert(
      fc.asyncProperty(batches, async ({ text }) => {
        expect(() => JSON.parse(text)).not.toThrow();
        const checked = checkUplink(Buffer.from(text), { gatewayId: 'cart-1', lane: 'spot' }, 4 << 20);
        if (!checked.ok) return;
        const validated = new Map<number, Observation>(checked.batch.observations.map((o) => [o.seq, o]));
        for (const o of validated.values()) expect(observation.check(o)).toBe(true);
        const store = new SqliteStore({ file: ':memory:' });
        try {
          const result = await store.storeBatch(checked.batch);
          for (const seq of result.storedSeqs) {
            const v = validated.get(seq);
            expect(v, `seq ${seq} stored but never validated`).toBeDefined();
            const back = await store.getObservation((v as Observation).id);
            expect(back).toEqual(v);
            expect(observation.check(back)).toBe(true);
            // Served back as JSON (API, FHIR source): the same text as the validated object's.
            expect(JSON.stringify(back)).toBe(JSON.stringify(v));
            storedAny++;
          }
          for (const back of await store.getObservations({})) expect(validated.get(back.seq)).toEqual(back);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 300 },
    );
    expect(storedAny).toBeGreaterThan(0);
  });
});
