// The cloud's agenda publisher at start (issue 14): every cart's day is built and published when
// the cloud starts. N carts with one patient each (as the fleet simulator configures them), a share
// with an act today, a real SQLite file and the embedded broker; the publisher's begin() timed, its
// CPU read from process.cpuUsage(), and the retained days a cart would receive counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { CartAgendaPublisher } from '../cloud/dist/agenda/publisher.js';
import { startEmbeddedBroker } from '../cloud/dist/broker/embedded-broker.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';

export async function benchAgendaStart({ carts = 1000, withActs = 0.1, now = new Date('2026-12-06T10:00:00.000Z') } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-agenda-'));
  const broker = await startEmbeddedBroker({ port: 0, logger: pino({ level: 'silent' }) });
  const store = new SqliteStore({ file: join(dir, 'cloud.db') });
  const ids = Array.from({ length: carts }, (_, i) => `cart-${String(i + 1).padStart(5, '0')}`);
  await store.upsertPatients(ids.map((g) => ({ id: `p-${g}`, family: 'BENCH', given: g, gateways: [g] })));
  const booked = Math.round(carts * withActs);
  for (let i = 0; i < booked; i++) {
    const g = ids[i];
    const start = new Date(now.getTime() + 3600_000 + i * 1000).toISOString();
    await store.bookAppointment({
      id: `act-${g}`,
      gatewayId: g,
      patientId: `p-${g}`,
      localPatientId: `p-${g}`,
      patientIns: null,
      start,
      end: new Date(Date.parse(start) + 20 * 60_000).toISOString(),
      specialistId: 'dr-bench',
      specialty: null,
      reason: null,
      bookedBy: 'dr-bench',
      at: now.toISOString(),
    });
  }
  const rows = [];
  try {
    // Twice on the same broker: a first start (nothing retained) and a restart (the days retained).
    for (const round of ['first start', 'restart, days retained']) {
      const publisher = await CartAgendaPublisher.connect({
        brokerUrl: broker.url,
        store,
        nameOf: () => 'Dr Bench',
        timeZone: 'Europe/Paris',
        logger: pino({ level: 'silent' }),
        now: () => now,
        setTimer: () => ({ cancel: () => undefined }),
      });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await publisher.begin('http://127.0.0.1:9');
      await publisher.flush();
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const published = publisher.metrics().published;
      await publisher.stop();
      rows.push({
        round,
        carts,
        'with acts': booked,
        published,
        s: Number(s.toFixed(2)),
        'CPU s': Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      });
    }
    // What a cart finds when it subscribes: every cart has its day retained.
    const probe = await mqtt.connectAsync(broker.url, { clientId: 'bench-probe', reconnectPeriod: 0 });
    let retained = 0;
    probe.on('message', (_t, _p, packet) => {
      if (packet.retain) retained++;
    });
    await probe.subscribeAsync(topics.agenda('x').replace('/x/', '/+/'), { qos: 0 });
    // Until a second passes without one more (10,000 retained messages take a while on a busy host).
    for (let seen = -1; seen !== retained; ) {
      seen = retained;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await probe.endAsync();
    for (const r of rows) r['retained days'] = retained;
  } finally {
    await store.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const carts = Number(process.argv[2] ?? 1000);
  console.table(await benchAgendaStart({ carts }));
}
