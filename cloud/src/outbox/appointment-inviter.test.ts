/**
 * Appointment invitations, updates, cancellations and reminders end to end inside one process: a
 * real SQLite store, the real outbox sender with its SMTP transport to a real SMTP server
 * (smtp-server) and its SMS transport to a stand-in of Brevo's API. Time is the test's clock; a
 * "restart" is a new inviter and sender on the same database file.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PatientAddress } from '../directory/patient-contact.js';
import type { CloudStore } from '../store/cloud-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { type BrevoStandIn, startBrevoStandIn } from '../testing/brevo-stand-in.js';
import { type SmtpSink, startSmtpSink } from '../testing/smtp-sink.js';
import { type AppointmentContacts, AppointmentInviter } from './appointment-inviter.js';
import { brevoSmsSender } from './brevo-sms.js';
import { OutboxSender } from './sender.js';
import { smtpSender } from './smtp.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const silent = pino({ level: 'silent' });

/** The patients' addresses, as the directory answers them (directory/patient-contact.ts). */
const addresses = new Map<string, PatientAddress>([
  ['pat-home', { name: 'Jeanne Martin', email: 'jeanne@example.org', phone: '+33612345678' }],
  ['pat-ehpad', { name: 'Louis Petit', email: 'louis@example.org' }],
]);
const contacts: AppointmentContacts = {
  patients: async (ids) => new Map(ids.flatMap((id) => (addresses.has(id) ? [[id, addresses.get(id) as PatientAddress]] : []))),
  specialists: [
    { id: 'dr-roux', name: 'Dr Anne Roux', email: 'roux@example.org' },
    // The cardiology pool: who may see cart-1 is told of a pool appointment there; the others are not.
    { id: 'dr-vert', name: 'Dr Vert', specialty: 'cardiologie', sites: ['tilleuls'], email: 'vert@example.org', phone: '+33639980011' },
    { id: 'dr-cart', name: 'Dr Cart', specialty: 'cardiologie', gateways: ['cart-1'], email: 'cart@example.org' },
    { id: 'dr-home', name: 'Dr Home', specialty: 'cardiologie', gateways: ['kit-*'], email: 'home@example.org' },
    { id: 'dr-gone', name: 'Dr Gone', specialty: 'cardiologie', sites: ['tilleuls'], email: 'gone@example.org', disabled: true },
    { id: 'dr-geria', name: 'Dr Geria', specialty: 'gériatrie', sites: ['tilleuls'], email: 'geria@example.org' },
  ],
  sites: [
    { id: 'tilleuls', name: 'EHPAD Les Tilleuls', gateways: ['cart-*'], contact: { email: 'ide@tilleuls.example', phone: '+33698765432' } },
  ],
};

const REASON = 'suivi insuffisance cardiaque';

/** The unfolded lines of an iCalendar text (RFC 5545 §3.1). */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');
const toOf = (m: ParsedMail) => (m.to && 'value' in m.to ? m.to.value[0]?.address : undefined);
const icsOf = (m: ParsedMail) => {
  const cal = m.attachments.find((a) => a.contentType === 'text/calendar');
  return cal ? lines(cal.content.toString('utf8')) : null;
};
const prop = (l: string[] | null, name: string) => l?.find((x) => x.startsWith(`${name}:`))?.slice(name.length + 1);

describe('AppointmentInviter + OutboxSender (SQLite, SMTP server, Brevo stand-in, moved clock)', () => {
  let dir: string;
  let store: CloudStore;
  let sink: SmtpSink;
  let brevo: BrevoStandIn;
  let now: number;
  let sender: OutboxSender | undefined;
  let inviter: AppointmentInviter | undefined;
  const manual = () => () => undefined;

  /** Starts (or, after `stop`, restarts) the inviter and the sender on the same store: the start-up sweep runs. */
  const open = async () => {
    const s = new OutboxSender({
      store,
      email: smtpSender({ host: '127.0.0.1', port: sink.port, tls: 'none', from: 'rdv@telecart.example' }),
      sms: brevoSmsSender({ provider: 'brevo', apiKeyEnv: 'K', sender: 'Telecart', url: brevo.url, timeoutSeconds: 5 }, { K: 'key' }),
      policy: { maxAttempts: 3, retryMs: MIN, maxRetryMs: 10 * MIN, leaseMs: 2 * MIN, everyMs: 10_000 },
      logger: silent,
      now: () => now,
      schedule: manual,
    });
    sender = s;
    inviter = new AppointmentInviter({
      store,
      contacts,
      leads: { dayBeforeMinutes: 24 * 60, hourBeforeMinutes: 60 },
      organizer: { name: 'Telecart', email: 'rdv@telecart.example' },
      uidDomain: 'cloud.example',
      timeZone: 'Europe/Paris',
      lang: 'fr',
      everyMs: 30_000,
      onEnqueued: () => void s.wake(),
      logger: silent,
      now: () => now,
      schedule: manual,
    });
    await s.start();
    await inviter.start();
    await s.wake();
  };
  const close = async () => {
    await inviter?.stop();
    await sender?.stop();
  };
  /** One inviter round, then the sender sends what became due. */
  const step = async () => {
    await inviter?.wake();
    await sender?.wake();
  };
  const book = async (
    patientId: string,
    gatewayId: string,
    start: number,
    minutes = 20,
    who: { specialistId: string | null; specialty: string | null } = { specialistId: 'dr-roux', specialty: null },
  ) => {
    const r = await store.bookAppointment({
      id: randomUUID(),
      gatewayId,
      patientId,
      localPatientId: patientId,
      patientIns: null,
      start: new Date(start).toISOString(),
      end: new Date(start + minutes * MIN).toISOString(),
      ...who,
      reason: REASON,
      bookedBy: 'dr-roux',
      at: new Date(now).toISOString(),
    });
    if (!r.ok) throw new Error('overlap');
    return r.appointment;
  };
  const sms = () => brevo.requests.map((r) => r.body as { recipient: string; content: string });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-invite-'));
    store = new SqliteStore({ file: join(dir, 'cloud.db') });
    await store.upsertPatients([
      { id: 'pat-home', family: 'Martin', given: 'Jeanne', gateways: ['kit-9'] },
      { id: 'pat-ehpad', family: 'Petit', given: 'Louis', gateways: ['cart-1'] },
    ]);
    sink = await startSmtpSink();
    brevo = await startBrevoStandIn('key');
    now = Date.parse('2026-12-06T08:00:00Z');
  });
  afterEach(async () => {
    await close();
    await store.close();
    await sink.close();
    await brevo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a home act: the specialist and the patient get the .ics by e-mail, the patient an SMS without the reason; never twice, even across a restart', async () => {
    // Booked while the loop was not running (a crash right after the booking): the start-up sweep sends it.
    const a = await book('pat-home', 'kit-9', Date.parse('2026-12-08T14:00:00Z'));
    await open();
    expect(sink.received.map(toOf).sort()).toEqual(['jeanne@example.org', 'roux@example.org']);
    for (const m of sink.received) {
      const ics = icsOf(m);
      expect(ics).toContain('METHOD:REQUEST');
      expect(prop(ics, 'UID')).toBe(`${a.id}@cloud.example`);
      expect(prop(ics, 'SEQUENCE')).toBe('0');
      expect(prop(ics, 'DTSTART')).toBe('20261208T140000Z');
      expect(prop(ics, 'DTEND')).toBe('20261208T142000Z');
      expect(ics?.find((x) => x.startsWith('ATTENDEE'))).toMatch(new RegExp(`mailto:${toOf(m)}$`, 'i'));
      expect(m.subject).toBe('[Telecart] Téléconsultation le mardi 8 décembre 2026 à 15:00');
    }
    expect(sms()).toEqual([
      expect.objectContaining({
        recipient: '33612345678',
        content: 'Telecart : téléconsultation le mardi 8 décembre 2026 à 15:00 avec Dr Anne Roux.',
      }),
    ]);
    for (const text of [
      ...sink.received.flatMap((m) => [m.text ?? '', m.subject ?? '', m.attachments[0]?.content.toString() ?? '']),
      ...sms().map((s) => s.content),
    ])
      expect(text).not.toContain('insuffisance');

    await step();
    await close();
    await open();
    await step();
    expect(sink.received).toHaveLength(2);
    expect(brevo.requests).toHaveLength(1);
  });

  it('a contact changed after the invitation: the next round invites the new address, the old one gets nothing more', async () => {
    await book('pat-home', 'kit-9', Date.parse('2026-12-08T14:00:00Z'));
    await open();
    expect(sms().map((m) => m.recipient)).toEqual(['33612345678']);
    const before = addresses.get('pat-home');
    addresses.set('pat-home', { name: 'Jeanne Martin', phone: '+33798765432' });
    try {
      await step();
      // The new number gets the invitation; the e-mail removed gets nothing more, the specialist nothing twice.
      expect(sms().map((m) => m.recipient)).toEqual(['33612345678', '33798765432']);
      expect(sink.received.map(toOf).sort()).toEqual(['jeanne@example.org', 'roux@example.org']);
      await step();
      expect(brevo.requests).toHaveLength(2);
      // The day before, the reminder goes to the new number only.
      now = Date.parse('2026-12-07T14:30:00Z');
      await step();
      expect(sms().map((m) => m.recipient)).toEqual(['33612345678', '33798765432', '33798765432']);
    } finally {
      if (before) addresses.set('pat-home', before);
    }
  });

  it('a cart act goes to the site’s contact, not to the patient', async () => {
    await book('pat-ehpad', 'cart-1', Date.parse('2026-12-08T09:00:00Z'));
    await open();
    expect(sink.received.map(toOf).sort()).toEqual(['ide@tilleuls.example', 'roux@example.org']);
    expect(sms().map((s) => s.recipient)).toEqual(['33698765432']);
  });

  it("a pool appointment goes to the pool's members who may see the cart (not to a disabled account, another specialty or another site's)", async () => {
    await book('pat-ehpad', 'cart-1', Date.parse('2026-12-08T10:00:00Z'), 20, { specialistId: null, specialty: 'cardiologie' });
    await open();
    expect(sink.received.map(toOf).sort()).toEqual(['cart@example.org', 'ide@tilleuls.example', 'vert@example.org']);
    expect(
      sms()
        .map((s) => s.recipient)
        .sort(),
    ).toEqual(['33639980011', '33698765432']);
    await step();
    expect(sink.received).toHaveLength(3);
  });

  it('a reschedule sends an update (same UID, higher SEQUENCE); reminders the day before and the hour before for the new slot only, once across a restart', async () => {
    const a = await book('pat-home', 'kit-9', Date.parse('2026-12-08T14:00:00Z'));
    await open();
    expect(sink.received).toHaveLength(2);

    now += HOUR;
    const moved = Date.parse('2026-12-09T09:00:00Z');
    const r = await store.rescheduleAppointment(
      a.id,
      new Date(moved).toISOString(),
      new Date(moved + 30 * MIN).toISOString(),
      new Date(now).toISOString(),
    );
    expect(r.ok).toBe(true);
    await step();
    const updates = sink.received.slice(2);
    expect(updates.map(toOf).sort()).toEqual(['jeanne@example.org', 'roux@example.org']);
    for (const m of updates) {
      const ics = icsOf(m);
      expect(ics).toContain('METHOD:REQUEST');
      expect(prop(ics, 'UID')).toBe(`${a.id}@cloud.example`);
      expect(Number(prop(ics, 'SEQUENCE'))).toBeGreaterThan(0);
      expect(prop(ics, 'DTSTART')).toBe('20261209T090000Z');
      expect(m.subject).toBe('[Telecart] Téléconsultation déplacée au mercredi 9 décembre 2026 à 10:00');
    }
    expect(sms().at(-1)?.content).toBe(
      'Telecart : votre téléconsultation est déplacée au mercredi 9 décembre 2026 à 10:00 avec Dr Anne Roux.',
    );

    // The old slot's day-before time (7 Dec 14:00 UTC) passes: nothing for it.
    now = Date.parse('2026-12-07T14:30:00Z');
    await step();
    expect(sink.received).toHaveLength(4);
    expect(brevo.requests).toHaveLength(2);

    // The new slot's day-before time: one reminder each, kept once across a restart.
    now = Date.parse('2026-12-08T09:00:10Z');
    await step();
    await close();
    await open();
    await step();
    const day = sink.received.slice(4);
    expect(day.map(toOf).sort()).toEqual(['jeanne@example.org', 'roux@example.org']);
    for (const m of day) {
      expect(m.subject).toBe('[Telecart] Rappel : téléconsultation le mercredi 9 décembre 2026 à 10:00');
      expect(icsOf(m)).toBeNull();
    }
    expect(
      sms()
        .slice(2)
        .map((s) => s.content),
    ).toEqual(['Telecart rappel : téléconsultation le mercredi 9 décembre 2026 à 10:00 avec Dr Anne Roux.']);

    now = Date.parse('2026-12-09T08:00:05Z');
    await step();
    await close();
    await open();
    await step();
    expect(sink.received).toHaveLength(8);
    expect(brevo.requests).toHaveLength(4);

    // After the start: nothing more.
    now = Date.parse('2026-12-09T09:10:00Z');
    await step();
    expect(sink.received).toHaveLength(8);
  });

  it('a cancellation sends METHOD:CANCEL with the same UID and a higher SEQUENCE, and no reminder follows', async () => {
    const a = await book('pat-home', 'kit-9', Date.parse('2026-12-08T14:00:00Z'));
    await open();
    now += 2 * HOUR;
    const r = await store.closeAppointment(a.id, 'cancelled', 'patient-unavailable', new Date(now).toISOString());
    expect(r.ok).toBe(true);
    await step();
    const cancels = sink.received.slice(2);
    expect(cancels.map(toOf).sort()).toEqual(['jeanne@example.org', 'roux@example.org']);
    for (const m of cancels) {
      const ics = icsOf(m);
      expect(ics).toContain('METHOD:CANCEL');
      expect(ics).toContain('STATUS:CANCELLED');
      expect(prop(ics, 'UID')).toBe(`${a.id}@cloud.example`);
      expect(Number(prop(ics, 'SEQUENCE'))).toBeGreaterThan(0);
    }
    expect(sms().at(-1)?.content).toBe('Telecart : la téléconsultation du mardi 8 décembre 2026 à 15:00 est annulée.');

    for (const t of ['2026-12-07T14:00:10Z', '2026-12-08T13:00:10Z']) {
      now = Date.parse(t);
      await step();
    }
    await close();
    await open();
    expect(sink.received).toHaveLength(4);
    expect(brevo.requests).toHaveLength(2);
  });

  it('an appointment cancelled before its invitation left sends nothing', async () => {
    const a = await book('pat-home', 'kit-9', Date.parse('2026-12-08T14:00:00Z'));
    await store.closeAppointment(a.id, 'cancelled', 'booked by mistake', new Date(now).toISOString());
    await open();
    await step();
    expect(sink.received).toHaveLength(0);
    expect(brevo.requests).toHaveLength(0);
  });
});
