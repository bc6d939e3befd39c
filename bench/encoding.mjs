// Bytes per reading on the wire for each candidate payload encoding, measured on realistic
// batches: JSON, JSON + deflate (zlib, one stream per batch), CBOR (cbor-x, plain RFC 8949
// maps), CBOR + deflate. Also the encode+decode CPU time per reading, since the gateway is a
// small box and the cloud decodes every batch. `npm run bench` prints the table; docs/encoding.md
// records the figures and the decision.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Decoder, Encoder } from 'cbor-x';
import { asObservation, attachmentInput, ecgSegmentInput, spotInput } from './support/readings.mjs';

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });
const cborDec = new Decoder({ useRecords: false, mapsAsObjects: true });
const LEVEL = 6;

function batchOf(inputs, lane) {
  return {
    v: 1,
    batchId: '019a0000-1111-7000-8000-000000000001',
    gatewayId: 'bench-gw',
    lane,
    sentAt: '2026-11-23T08:00:00.000Z',
    observations: inputs.map((inp, k) => asObservation(inp, 1000 + k)),
  };
}

const CANDIDATES = {
  json: { enc: (b) => Buffer.from(JSON.stringify(b)), dec: (x) => JSON.parse(x.toString('utf8')) },
  'json+deflate': {
    enc: (b) => deflateRawSync(Buffer.from(JSON.stringify(b)), { level: LEVEL }),
    dec: (x) => JSON.parse(inflateRawSync(x).toString('utf8')),
  },
  cbor: { enc: (b) => cbor.encode(b), dec: (x) => cborDec.decode(x) },
  'cbor+deflate': { enc: (b) => deflateRawSync(cbor.encode(b), { level: LEVEL }), dec: (x) => cborDec.decode(inflateRawSync(x)) },
};

function timePerReading(fn, readings, minMs = 150) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n / readings; // µs per reading
}

export function benchEncoding() {
  const cases = [
    ['spot ×1', batchOf([spotInput(0)], 'spot')],
    [
      'spot ×10',
      batchOf(
        Array.from({ length: 10 }, (_, i) => spotInput(i)),
        'spot',
      ),
    ],
    [
      'spot ×200',
      batchOf(
        Array.from({ length: 200 }, (_, i) => spotInput(i)),
        'spot',
      ),
    ],
    [
      'spot ×1000',
      batchOf(
        Array.from({ length: 1000 }, (_, i) => spotInput(i)),
        'spot',
      ),
    ],
    ['ECG 4 s ×1', batchOf([ecgSegmentInput(0)], 'waveform')],
    [
      'ECG 4 s ×4',
      batchOf(
        Array.from({ length: 4 }, (_, i) => ecgSegmentInput(i)),
        'waveform',
      ),
    ],
    ['steth 48 KiB FLAC ×1', batchOf([attachmentInput(0)], 'waveform')],
  ];
  const rows = [];
  for (const [name, batch] of cases) {
    const n = batch.observations.length;
    const row = { batch: name };
    for (const [k, c] of Object.entries(CANDIDATES)) {
      const bytes = c.enc(batch);
      row[`${k} B/reading`] = Math.round(bytes.byteLength / n);
    }
    for (const [k, c] of Object.entries(CANDIDATES)) {
      row[`${k} µs/reading`] = Number(timePerReading(() => c.dec(c.enc(batch)), n).toFixed(1));
    }
    rows.push(row);
  }
  return rows;
}

/** zlib level vs size and CPU on the largest spot batch and an ECG batch (the level codec.ts uses is 6). */
export function benchDeflateLevels() {
  const spot = Buffer.from(
    JSON.stringify(
      batchOf(
        Array.from({ length: 200 }, (_, i) => spotInput(i)),
        'spot',
      ),
    ),
  );
  const ecg = Buffer.from(
    JSON.stringify(
      batchOf(
        Array.from({ length: 4 }, (_, i) => ecgSegmentInput(i)),
        'waveform',
      ),
    ),
  );
  return [1, 6, 9].map((level) => ({
    level,
    'spot ×200 B/reading': Math.round(deflateRawSync(spot, { level }).byteLength / 200),
    'spot ×200 µs/reading': Number(timePerReading(() => deflateRawSync(spot, { level }), 200).toFixed(1)),
    'ECG ×4 B/reading': Math.round(deflateRawSync(ecg, { level }).byteLength / 4),
    'ECG ×4 µs/reading': Number(timePerReading(() => deflateRawSync(ecg, { level }), 4).toFixed(1)),
  }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const rows = benchEncoding();
  const cols = ['json', 'json+deflate', 'cbor', 'cbor+deflate'];
  console.table(rows.map((r) => Object.fromEntries([['batch', r.batch], ...cols.map((c) => [c, r[`${c} B/reading`]])])));
  console.table(rows.map((r) => Object.fromEntries([['batch', r.batch], ...cols.map((c) => [c, r[`${c} µs/reading`]])])));
  console.table(benchDeflateLevels());
}
