// `npm run bench`: every benchmark, each printing its own table. Figures are ratios against a
// baseline measured in the same run where possible: the machines are shared and noisy.
// docs/benchmarks.md says how each figure is measured; docs/encoding.md records the encoding choice.
import { benchSqliteBindings } from './sqlite-bindings.mjs';

console.log('\n## SQLite bindings (gateway write pattern: WAL, synchronous=FULL, UUID key, ~400-byte JSON)');
const sqlite = await benchSqliteBindings();
console.table(sqlite);
const [b, s] = sqlite;
console.log(
  `better-sqlite3 / sqlite3: ${(b.perRowCommitsPerS / s.perRowCommitsPerS).toFixed(2)}x per-reading commits, ` +
    `${(b.tx1000RowsPerS / s.tx1000RowsPerS).toFixed(2)}x in 1,000-row transactions`,
);

console.log('\n## Payload encoding: bytes per reading on the wire, and encode+decode µs per reading');
const { benchEncoding, benchDeflateLevels } = await import('./encoding.mjs');
const enc = benchEncoding();
const cols = ['json', 'json+deflate', 'cbor', 'cbor+deflate'];
console.table(enc.map((r) => Object.fromEntries([['batch', r.batch], ...cols.map((c) => [`${c} B`, r[`${c} B/reading`]])])));
console.table(enc.map((r) => Object.fromEntries([['batch', r.batch], ...cols.map((c) => [`${c} µs`, r[`${c} µs/reading`]])])));
console.table(benchDeflateLevels());

console.log('\n## Gateway store: per-reading commits vs group commit (recordMany)');
const { benchGroupCommit } = await import('./group-commit.mjs');
console.table(await benchGroupCommit());

console.log('\n## Slice: frames → gateway → MQTT → cloud (own process) → ack; vs the raw QoS 1 rate of the same broker');
const { benchSliceThroughput } = await import('./slice-throughput.mjs');
const slice = await benchSliceThroughput();
console.table(slice.throughput);
console.log('CPU µs per raw QoS 1 message (clients, broker) and per acked reading (gateway, cloud + broker), burst path:');
console.table([slice.cpu]);
console.log('latency, frame handed to the device manager → committed in the cloud store:');
console.table([slice.latency]);

console.log('\n## Backlog drain (bulk-generated backlog → cloud store; capped, extrapolated past the cap)');
const { benchDrainBacklog } = await import('./drain-backlog.mjs');
console.table([await benchDrainBacklog()]);

console.log('\n## Alarm latency on a 1 Mbit/s link while a waveform backlog drains (record() → cloud commit)');
const { benchAlarmLatency } = await import('./alarm-latency.mjs');
console.table(await benchAlarmLatency());

console.log('\n## Cloud store: storeBatch throughput, SQLite and PostgreSQL (quick run; `node bench/cloud-store.mjs` for the full table)');
const { benchCloudStore } = await import('./cloud-store.mjs');
console.table(await benchCloudStore({ quick: true }));

console.log(
  '\n## Alert queue: taking stored readings off the queue, µs per reading (quick run; `node bench/alert-queue.mjs` for the full one)',
);
const { benchAlertQueue } = await import('./alert-queue.mjs');
console.table(await benchAlertQueue({ quick: true }));

console.log('\n## Cloud ingest without the broker: validate + attribution + SQLite store, CPU µs per reading');
const { benchIngestStore } = await import('./ingest-store.mjs');
console.table([await benchIngestStore()]);

console.log(
  '\n## Fleet on Mosquitto (mutual TLS) + 2 ingest workers + PostgreSQL: 200 gateways, 20 s (`node bench/fleet-mosquitto.mjs 5000 2 60` for the sizes in docs/region.md)',
);
const { benchFleetMosquitto } = await import('./fleet-mosquitto.mjs');
console.table([await benchFleetMosquitto({ gateways: 200, ingestWorkers: 2, seconds: 20 })]);

console.log("\n## The cloud's HTTP app at start: route schemas compiled eagerly (Fastify's default) or on first request; docs/region.md");
const { benchCloudStart } = await import('./cloud-start.mjs');
console.table(await benchCloudStart());

console.log(
  '\n## Reconnect storm: 200 gateways × 100 unsynced readings through a cloud restart (`node bench/reconnect-storm.mjs 1000,2000,5000` for the sizes in docs/region.md)',
);
const { benchReconnectStorm } = await import('./reconnect-storm.mjs');
console.table(await benchReconnectStorm());

console.log('\n## Teleconsultation: PTZ round trip, ECG latency, glass to glass, gateway CPU/RSS (root + Chromium)');
const { benchTeleconsult, printTeleconsult } = await import('./teleconsult.mjs');
printTeleconsult(await benchTeleconsult());

console.log(
  '\n## Gateway footprint: load cost per dependency, the demo gateway idle and in the demo’s act (RSS, start to ready); docs/footprint.md',
);
const { benchImportCosts, benchDemoGateway } = await import('./gateway-footprint.mjs');
const importCosts = benchImportCosts(3);
console.table(importCosts);
const idle = await benchDemoGateway({ idleSeconds: 20, actSeconds: 20 });
console.table([{ ...idle, 'idle RSS / bare node': Number((idle['idle RSS p50 MiB'] / importCosts[0]['RSS after MiB']).toFixed(2)) }]);

console.log('\n## Conversation both ways: join → first frame, glass to glass, send rates, browser CPU (root + Chromium)');
const { benchConversation, printConversation } = await import('./conversation.mjs');
printConversation(await benchConversation());

console.log('\n## Four participants in an act: mesh vs a werift forwarding unit, uplink and CPU per participant (root + Chromium)');
const { benchParticipants, printParticipants } = await import('./participants.mjs');
printParticipants(await benchParticipants());

console.log(
  '\n## Four parties through the real chain: join → first frame per pair, glass to glass, per-participant rates and CPU over 15 s (root + Chromium; `node bench/four-parties.mjs` for 60 s)',
);
const { benchFourParties, printFourParties } = await import('./four-parties.mjs');
printFourParties(await benchFourParties({ seconds: 15, flashes: 10 }));
