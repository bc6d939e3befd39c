/**
 * What an appointment's invitation, update, cancellation and reminders say, and to whom: pure
 * functions of the appointment, its recipients and the time (no I/O). Every message has an
 * idempotency key naming the appointment, its slot and the kind, so enqueuing the same one again
 * (a second sweep, a restart, a crash between booking and enqueue) adds nothing. Messages say when
 * and with whom, never why: the booking's reason is not in them (docs/notifications.md).
 */
import { format, invite, type Lang, textsIn } from '@telecart/ui';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { OutboxInput } from '../store/outbox-records.js';
import { buildInvitation, type CalendarParty } from './ical.js';

export interface Recipient {
  /** In the audit of the outbox and the calendar's attendee: a name or a role, no health data. */
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  /** The patient's join link of a home act (teleconsult/join-links.ts): in the patient's messages only. */
  link?: string | undefined;
}

export interface MessageContext {
  appointment: AppointmentRecord;
  recipients: readonly Recipient[];
  /** Who the specialist is ("Dr Anne Roux") or the pool ("un spécialiste (cardiologie)"). */
  withWhom: string;
  organizer: CalendarParty;
  /** Stable calendar UID domain, e.g. the cloud's host name. */
  uidDomain: string;
  timeZone: string;
  lang: Lang;
  now: Date;
}

export type AppointmentMessageKind = 'invitation' | 'cancellation' | { reminder: 'day' | 'hour' };

/** Topics: cancelOutbox(reminderTopic) withdraws the unsent reminders of a cancelled or moved appointment. */
export const invitationTopic = (id: string) => `appointment:${id}`;
export const reminderTopic = (id: string) => `appointment-reminder:${id}`;
/** Apart from the invitations' topic: withdrawing unsent invitations must not withdraw the CANCEL. */
export const cancellationTopic = (id: string) => `appointment-cancel:${id}`;

/**
 * The calendar SEQUENCE of the appointment's current state: seconds from its booking to its last
 * change. A reschedule or a cancellation changes `updatedAt`, so each version numbers higher than
 * the one before, and the same version always gets the same number (a resend is the same object).
 */
export function sequenceOf(a: AppointmentRecord): number {
  return Math.max(0, Math.floor((Date.parse(a.updatedAt) - Date.parse(a.bookedAt)) / 1000));
}

/** "lundi 7 décembre 2026 à 15:00" in the zone and language of the messages. */
export function whenOf(at: string, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
}

/**
 * The messages of one kind for every recipient: an e-mail (with the .ics for an invitation or a
 * cancellation) to each address, an SMS to each phone. `updated`: the invitation follows a reschedule.
 */
export function appointmentMessages(c: MessageContext, kind: AppointmentMessageKind): OutboxInput[] {
  const a = c.appointment;
  const t = textsIn(invite, c.lang);
  const minutes = Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000);
  const v = { when: whenOf(a.start, c.timeZone, c.lang), minutes, with: c.withWhom };
  const sequence = sequenceOf(a);
  const updated = kind === 'invitation' && sequence > 0;
  const slot = `${a.start}/${a.end}`;
  const label = typeof kind === 'string' ? kind : `reminder-${kind.reminder}`;
  // An invitation is per slot (a reschedule is a new one); a cancellation once; a reminder per slot and kind.
  const key = (channel: string, to: string) =>
    kind === 'cancellation' ? `appt:${a.id}:cancellation:${channel}:${to}` : `appt:${a.id}:${slot}:${label}:${channel}:${to}`;
  const topic = kind === 'cancellation' ? cancellationTopic(a.id) : kind === 'invitation' ? invitationTopic(a.id) : reminderTopic(a.id);
  const [subject, body, sms] =
    kind === 'cancellation'
      ? [t.subjectCancelled, t.bodyCancelled, t.smsCancelled]
      : typeof kind !== 'string'
        ? [t.subjectReminder, t.bodyReminder, t.smsReminder]
        : updated
          ? [t.subjectUpdated, t.bodyUpdated, t.smsUpdated]
          : [t.subject, t.body, t.sms];
  const out: OutboxInput[] = [];
  for (const r of c.recipients) {
    // No link in a cancellation: there is nothing to join.
    const link = kind === 'cancellation' ? undefined : r.link;
    if (r.email !== undefined) {
      const calendar =
        typeof kind === 'string'
          ? {
              method: kind === 'invitation' ? ('REQUEST' as const) : ('CANCEL' as const),
              ics: buildInvitation({
                uid: `${a.id}@${c.uidDomain}`,
                sequence,
                method: kind === 'invitation' ? 'REQUEST' : 'CANCEL',
                start: new Date(a.start),
                end: new Date(a.end),
                summary: t.summary,
                organizer: c.organizer,
                attendee: { name: r.name, email: r.email },
                ...(link ? { url: link, location: link } : {}),
                stamp: new Date(a.updatedAt),
              }),
            }
          : undefined;
      out.push({
        idempotencyKey: key('email', r.email),
        topic,
        recipient: r.email,
        payload: {
          kind: 'email',
          subject: format(subject, v),
          text: link ? `${format(body, v)}\n\n${format(t.linkLine, { link })}` : format(body, v),
          ...(calendar ? { calendar } : {}),
        },
        notBefore: c.now,
      });
    }
    if (r.phone !== undefined)
      out.push({
        idempotencyKey: key('sms', r.phone),
        topic,
        recipient: r.phone,
        payload: { kind: 'sms', text: link ? `${format(sms, v)} ${link}` : format(sms, v) },
        notBefore: c.now,
      });
  }
  return out;
}

export interface ReminderLeads {
  dayBeforeMinutes: number;
  hourBeforeMinutes: number;
}

/**
 * The reminder due now for this slot, if any: the latest whose time has come before the start, and
 * only if that time came after the slot was set (a slot booked 3 hours ahead gets no "day before"
 * reminder: its invitation just said it). Asked again after it was enqueued, it answers the same
 * kind, and the idempotency key makes that a no-op.
 */
export function dueReminder(a: AppointmentRecord, leads: ReminderLeads, now: Date): 'day' | 'hour' | null {
  const start = Date.parse(a.start);
  const setAt = Date.parse(a.updatedAt);
  const t = now.getTime();
  if (a.status !== 'scheduled' || t >= start) return null;
  const kinds: ['hour' | 'day', number][] = [
    ['hour', leads.hourBeforeMinutes],
    ['day', leads.dayBeforeMinutes],
  ];
  for (const [kind, minutes] of kinds) {
    if (minutes <= 0) continue;
    const at = start - minutes * 60_000;
    if (at <= t) return at > setAt ? kind : null;
  }
  return null;
}
