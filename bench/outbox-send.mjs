// The outbox's sending rate on one cloud: N e-mails enqueued in one transaction, then sent by the
// real sender loop (lease, SMTP through nodemailer, settle) to a local SMTP server (smtp-server) on
// loopback; SQLite store. Gives messages per second and the store's share (lease + settle) per message.
// Run: `npx tsc -b && node bench/outbox-send.mjs` (`--quick` for 100 messages instead of 500).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { OutboxSender } from '../cloud/dist/outbox/sender.js';
import { smtpSender } from '../cloud/dist/outbox/smtp.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';
import { startSmtpSink } from '../cloud/dist/testing/smtp-sink.js';

const N = process.argv.includes('--quick') ? 100 : 500;
const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-outbox-'));
const store = new SqliteStore({ file: join(dir, 'cloud.db') });
const sink = await startSmtpSink();
try {
  const now = new Date();
  const messages = Array.from({ length: N }, (_, i) => ({
    idempotencyKey: `bench:${i}`,
    topic: 'bench',
    recipient: `ide${i % 10}@example.org`,
    payload: { kind: 'email', subject: `Alerte ${i}`, text: 'Alerte de télésurveillance. https://cloud.example/patients/p' },
    notBefore: now,
  }));
  let t = performance.now();
  await store.enqueueOutbox(messages, now);
  const enqueueMs = performance.now() - t;
  const email = smtpSender({ host: '127.0.0.1', port: sink.port, tls: 'none', from: 'alertes@telecart.example' });
  const sender = new OutboxSender({
    store,
    email,
    policy: { maxAttempts: 3, retryMs: 1000, maxRetryMs: 1000, leaseMs: 120_000, everyMs: 3_600_000 },
    logger: pino({ level: 'silent' }),
  });
  t = performance.now();
  await sender.start();
  const sendMs = performance.now() - t;
  await sender.stop();
  const counts = await store.outboxCounts();
  // The store's part alone: lease and settle without a transport.
  await store.enqueueOutbox(
    messages.map((m) => ({ ...m, idempotencyKey: `${m.idempotencyKey}:b` })),
    now,
  );
  t = performance.now();
  for (;;) {
    const leased = await store.leaseOutbox(new Date(), 120_000, 20);
    if (leased.length === 0) break;
    for (const m of leased) await store.settleOutbox(m.id, m.leaseToken, { outcome: 'sent', at: new Date(), providerRef: null });
  }
  const storeMs = performance.now() - t;
  console.log(
    JSON.stringify({
      messages: N,
      received: sink.received.length,
      sent: counts.sent,
      enqueueMsTotal: Math.round(enqueueMs),
      sendPerSecond: Math.round((N / sendMs) * 1000),
      msPerMessage: +(sendMs / N).toFixed(2),
      storeMsPerMessage: +(storeMs / N).toFixed(3),
    }),
  );
} finally {
  await sink.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
