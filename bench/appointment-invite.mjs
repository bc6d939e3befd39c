/**
 * How long a round of the appointment invitation loop takes on a SQLite store: N home appointments
 * ahead (each patient with an e-mail and a phone in the directory, a join link each); the first round
 * enqueues every invitation, the next rounds find everything known (one query of the page's contacts each). Usage: node bench/appointment-invite.mjs [N]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { patientAddresses, seedPatientContacts } from '../cloud/dist/directory/patient-contact.js';
import { AppointmentInviter } from '../cloud/dist/outbox/appointment-inviter.js';
import { SqliteStore } from '../cloud/dist/store/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'invbench-'));
const store = new SqliteStore({ file: join(dir, 'c.db') });
const N = Number(process.argv[2] ?? 300);
const pats = Array.from({ length: N }, (_, i) => ({
  id: `p${i}`,
  family: 'F',
  given: 'G',
  gateways: [`kit-${i}`],
  telecom: { email: `p${i}@example.org`, phone: '+33612345678' },
}));
await store.upsertPatients(pats);
await seedPatientContacts(store, pats, new Date());
const now = Date.parse('2026-12-06T08:00:00Z');
for (let i = 0; i < N; i++) {
  const start = now + 48 * 3600_000 + i * 60_000;
  const r = await store.bookAppointment({
    id: randomUUID(),
    gatewayId: `kit-${i}`,
    patientId: `p${i}`,
    localPatientId: `p${i}`,
    patientIns: null,
    start: new Date(start).toISOString(),
    end: new Date(start + 20 * 60_000).toISOString(),
    specialistId: null,
    specialty: 'cardio',
    reason: null,
    bookedBy: 'x',
    at: new Date(now).toISOString(),
  });
  if (!r.ok) throw new Error('overlap');
}
const inv = new AppointmentInviter({
  store,
  contacts: { patients: (ids) => patientAddresses(store, ids), specialists: [], sites: [] },
  leads: { dayBeforeMinutes: 1440, hourBeforeMinutes: 60 },
  organizer: { name: 'T', email: 't@example.org' },
  uidDomain: 'x',
  timeZone: 'Europe/Paris',
  lang: 'fr',
  everyMs: 30000,
  onEnqueued: () => {},
  logger: pino({ level: 'silent' }),
  now: () => now,
  schedule: () => () => {},
  joinLinks: { key: Buffer.alloc(32, 7), publicBaseUrl: 'https://c.example' },
});
let t = performance.now();
await inv.wake();
const first = performance.now() - t;
const times = [];
for (let k = 0; k < 5; k++) {
  t = performance.now();
  await inv.wake();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({ N, firstRoundMs: Math.round(first), repeatRoundMedianMs: Math.round(times[2]), outbox: await store.outboxCounts() }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });
