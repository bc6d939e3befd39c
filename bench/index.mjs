// `npm run bench`: every benchmark, each printing its own table. Figures are ratios against a
// baseline measured in the same run where possible: the machines are shared and noisy.
import { benchSqliteBindings } from './sqlite-bindings.mjs';

console.log('\n## SQLite bindings (gateway write pattern: WAL, synchronous=FULL, UUID key, ~400-byte JSON)');
const sqlite = await benchSqliteBindings();
console.table(sqlite);
const [b, s] = sqlite;
console.log(
  `better-sqlite3 / sqlite3: ${(b.perRowCommitsPerS / s.perRowCommitsPerS).toFixed(2)}x per-reading commits, ` +
    `${(b.tx1000RowsPerS / s.tx1000RowsPerS).toFixed(2)}x in 1,000-row transactions`,
);

console.log('\n## Slice throughput (frames → gateway SQLite → MQTT → cloud SQLite → ack → delete), in one process');
const { benchSliceThroughput } = await import('./slice-throughput.mjs');
console.table([await benchSliceThroughput()]);
