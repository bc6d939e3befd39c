import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { batchOf, reading } from '../testing/observations.js';
import { checkUplink } from './batch-validation.js';

describe('what the store writes is the validated batch, not the received text', () => {
  it('an escaped "observations" key after a literal one: the ignored array is not what gets stored', async () => {
    const good = reading('pulse', { seq: 1, patientId: 'p-001' });
    const forged = { ...good, patient: { id: 'p-victim', assignment: 'nurse-selected' }, value: { value: '<b>x</b>', unit: '/min' } };
    const real = JSON.stringify(batchOf([good]));
    // JSON.parse keeps the later key (written with an escape); a text scanner would see the first.
    const text = real.replace('"observations":', `"observations":[${JSON.stringify(forged)}],"observ\\u0061tions":`);
    const checked = checkUplink(Buffer.from(text), { gatewayId: 'cart-1', lane: 'spot' }, 1 << 20);
    if (!checked.ok) throw new Error(checked.error);
    expect(checked.batch.observations).toEqual([good]);
    const store = new SqliteStore({ file: ':memory:' });
    try {
      await store.storeBatch(checked.batch);
      expect(await store.getObservation(good.id)).toEqual(good);
      expect(await store.getObservations({ patientId: 'p-victim' })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
