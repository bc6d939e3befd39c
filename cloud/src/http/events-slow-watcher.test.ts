/**
 * GET /api/events cuts off a watcher that stopped reading (protocol/src/sse.ts holds the bound):
 * a client on a real socket opens the stream and never reads, readings keep arriving over MQTT, and
 * the cloud closes that stream and says so in its log instead of buffering for it without end, while
 * a watcher that reads keeps its stream (whole cloud: embedded aedes, SQLite, real sockets).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../cloud.js';
import { testClinician } from '../testing/clinician.js';
import { batchOf, reading } from '../testing/observations.js';
import { TestGateway } from '../testing/test-gateway.js';

const dr = testClinician({ id: 'dr-slow' });
const logged: string[] = [];
let dir: string;
let cloud: Cloud;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-slow-watcher-'));
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(chunk.toString('utf8'));
      done();
    },
  });
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'warn' }, sink),
    patients: [{ id: 'p-1', family: 'SLOW', given: 'Sam', gateways: ['cart-1'] }],
    teleconsult: { specialists: [dr.account] },
  });
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('closes the stream of a watcher that stopped reading, and keeps the one that reads', async () => {
  const { port } = new URL(cloud.httpUrl);
  const stalled = connect(Number(port), '127.0.0.1');
  await once(stalled, 'connect');
  stalled.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${dr.headers.authorization}\r\n\r\n`);
  stalled.pause();
  let stalledClosed = false;
  stalled.on('close', () => {
    stalledClosed = true;
  });
  stalled.on('error', () => undefined);

  const ac = new AbortController();
  const live = await fetch(`${cloud.httpUrl}/api/events`, { headers: dr.headers, signal: ac.signal });
  const r = (live.body as ReadableStream<Uint8Array>).getReader();
  let liveBytes = 0;
  const draining = (async () => {
    for (;;) {
      const { value, done } = await r.read();
      if (done) return;
      liveBytes += value.byteLength;
    }
  })().catch(() => undefined);

  const gw = await TestGateway.connect(cloud.mqttUrl, 'cart-1');
  const tooSlow = () => logged.some((l) => l.includes('events: watcher too slow'));
  let seq = 0;
  // Each event is about 1 KB: up to 40,000 of them, far past 1 MiB plus what the kernel buffers.
  for (let batch = 0; batch < 80 && !tooSlow(); batch++) {
    const obs = Array.from({ length: 500 }, () => reading('pulse', { seq: ++seq, patientId: 'p-1', value: 60 + (seq % 40) }));
    await gw.send(batchOf(obs));
  }
  expect(tooSlow()).toBe(true);
  const line = JSON.parse(logged.find((l) => l.includes('events: watcher too slow')) ?? '{}') as { bufferedBytes?: number };
  expect(line.bufferedBytes).toBeGreaterThan(1024 * 1024);
  // The stalled client's connection is closed by the cloud.
  stalled.resume();
  while (!stalledClosed) await new Promise((res) => setTimeout(res, 20));
  // The reader that keeps up got the events, and its stream still carries the next one.
  expect(liveBytes).toBeGreaterThan(1024 * 1024);
  const before = liveBytes;
  await gw.send(batchOf([reading('pulse', { seq: ++seq, patientId: 'p-1' })]));
  await gw.close();
  while (liveBytes === before) await new Promise((res) => setTimeout(res, 20));
  ac.abort();
  await draining;
}, 120_000);
