import { encodeBatchPayload } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { observationText } from '../store/observation-text.js';
import { batchOf, reading } from '../testing/observations.js';
import { checkUplink, observationSlices } from './batch-validation.js';

describe('observation texts of a batch (stored as received, not stringified again)', () => {
  it('slices each observation of the top-level array, whatever its strings hold', () => {
    const odd = reading('pulse', { seq: 2 });
    odd.device.model = 'quote " backslash \\ braces {[}] \\"';
    const obs = [reading('bp', { seq: 1 }), odd, reading('spo2', { seq: 3 })];
    const text = JSON.stringify(batchOf(obs));
    expect(observationSlices(text)).toEqual(obs.map((o) => JSON.stringify(o)));
  });

  it('follows JSON.parse: nested "observations" keys are ignored, a later duplicate key wins, whitespace is kept', () => {
    expect(observationSlices('{"x":{"observations":[{"a":1}]},"observations":[{"b":2}]}')).toEqual(['{"b":2}']);
    expect(observationSlices('{"observations":[{"a":1}],"observations":[{"b":"]"}]}')).toEqual(['{"b":"]"}']);
    expect(observationSlices('{ "observations" : [ { "a" : [1, {"c": 2}] } , {"d":3} ] }')).toEqual(['{ "a" : [1, {"c": 2}] }', '{"d":3}']);
    // A key written with escapes is not recognised: the caller stringifies instead.
    expect(observationSlices('{"observ\\u0061tions":[{"a":1}]}')).toBeNull();
  });

  it('keeps the received text of each valid reading for the store', () => {
    const obs = [reading('weight', { seq: 1 }), reading('temperature', { seq: 2 })];
    // Plain JSON with extra whitespace: the store writes these bytes, not a re-serialisation.
    const text = JSON.stringify(batchOf(obs), null, 1);
    const r = checkUplink(encodeBatchPayload(JSON.parse(text)), { gatewayId: 'cart-1', lane: 'spot' }, 1 << 20);
    if (!r.ok) throw new Error(r.error);
    expect(r.batch.observations.map((o) => observationText(o))).toEqual(obs.map((o) => JSON.stringify(o)));
    const spaced = checkUplink(Buffer.from(text), { gatewayId: 'cart-1', lane: 'spot' }, 1 << 20);
    if (!spaced.ok) throw new Error(spaced.error);
    const stored = spaced.batch.observations.map((o) => observationText(o));
    expect(stored[0]).toContain('\n');
    expect(stored.map((t) => JSON.parse(t))).toEqual(obs);
  });
});
