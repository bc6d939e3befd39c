// Gateway store commits: one fsync'd transaction per reading (record(), what a device frame
// costs) against group commit (recordMany(): a burst in one transaction, one fsync), on the real
// ReadingStore (WAL, synchronous=FULL, validation, UUIDv7, content keys).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadingStore } from '@telecart/gateway';
import { spotInput } from './support/readings.mjs';

function timed(fn) {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

export async function benchGroupCommit({ readings = 4000 } = {}) {
  const rows = [];
  for (const burst of [1, 10, 200, 2000]) {
    const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-group-'));
    const store = new ReadingStore({ dataDir: dir, gatewayId: 'bench-gw' });
    const n = burst === 1 ? Math.min(readings, 2000) : readings;
    const inputs = Array.from({ length: n }, (_, i) => ({ ...spotInput(i), contentKey: undefined }));
    const s = timed(() => {
      if (burst === 1) for (const i of inputs) store.record(i);
      else for (let k = 0; k < n; k += burst) store.recordMany(inputs.slice(k, k + burst));
    });
    rows.push({ api: burst === 1 ? 'record() per reading' : `recordMany(${burst})`, readings: n, readingsPerS: Math.round(n / s) });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0].readingsPerS;
  for (const r of rows) r.vsPerReading = Number((r.readingsPerS / base).toFixed(1));
  return rows;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.table(await benchGroupCommit());
}
