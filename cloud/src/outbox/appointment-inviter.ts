/**
 * Appointment invitations, updates, cancellations and reminders through the durable outbox. A loop
 * on the injected clock reads the appointments from the store and enqueues what their state calls
 * for; the idempotency keys (appointment + slot + kind + recipient) make every round repeatable, so
 * a booking is followed by its invitation even if the cloud died right after it (the next round,
 * at start, enqueues it), and a restart neither loses nor doubles a reminder. Booking does not
 * enqueue in its own transaction: the routes wake the loop, and the round is the guarantee.
 */

import type { Lang } from '@telecart/ui';
import { format, invite, textsIn } from '@telecart/ui';
import type { Logger } from 'pino';
import type { Scheduler } from '../alerts/engine.js';
import type { PatientAddress } from '../directory/patient-contact.js';
import type { AppointmentRecord } from '../store/appointment-records.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { Telecom } from '../teleconsult/config.js';
import { issueJoinLink } from '../teleconsult/join-links.js';
import {
  appointmentMessages,
  dueReminder,
  invitationTopic,
  type MessageContext,
  type Recipient,
  type ReminderLeads,
  reminderTopic,
} from './appointment-messages.js';
import type { CalendarParty } from './ical.js';

const PAGE = 500;
/** Bounds the memo of offered states (cleared past it: the next round offers everything again). */
const MAX_OFFERED = 100_000;

/** Who is told of an appointment (docs/notifications.md). */
export interface AppointmentContacts {
  /**
   * The patients' own addresses, of those that have one: the directory's contact
   * (directory/patient-contact.ts), read when a round builds their messages.
   */
  patients(ids: readonly string[]): Promise<ReadonlyMap<string, PatientAddress>>;
  specialists: readonly {
    id: string;
    name: string;
    email?: string | undefined;
    phone?: string | undefined;
    /** A pool appointment of this specialty (no one named) goes to its members (below). */
    specialty?: string | undefined;
    gateways?: readonly string[] | undefined;
    sites?: readonly string[] | undefined;
    disabled?: boolean | undefined;
  }[];
  sites: readonly { id: string; name: string; gateways: readonly string[]; contact?: Telecom | undefined }[];
}

export interface AppointmentInviterOptions {
  store: Pick<CloudStore, 'listAppointments' | 'enqueueOutbox' | 'cancelOutbox' | 'listOutbox' | 'saveActLink'>;
  /** Puts the patient's join link in a home act's messages: the key of the tokens and the origin patients open. */
  joinLinks?: { key: Buffer; publicBaseUrl: string };
  contacts: AppointmentContacts;
  leads: ReminderLeads;
  organizer: CalendarParty;
  uidDomain: string;
  timeZone: string;
  lang: Lang;
  everyMs: number;
  /** Told when messages were enqueued (the outbox sender). */
  onEnqueued: () => void;
  logger: Logger;
  now?: () => number;
  schedule?: Scheduler;
}

const intervalScheduler: Scheduler = (task, everyMs) => {
  const t = setInterval(task, everyMs);
  t.unref();
  return () => clearInterval(t);
};

function matches(pattern: string, gatewayId: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? gatewayId.startsWith(pattern.slice(0, -1)) : pattern === gatewayId;
}

/** The site of the appointment's cart, if it has a contact (then the act is a cart act, not a home one). */
function siteContactOf(a: AppointmentRecord, c: AppointmentContacts) {
  return c.sites.find((x) => x.contact !== undefined && x.gateways.some((p) => matches(p, a.gatewayId)));
}

/**
 * The members of the appointment's specialty pool told of it: the enabled accounts of that
 * specialty that may see its cart (their own carts, or their sites'), as the pool's booking required.
 */
function poolOf(a: AppointmentRecord, c: AppointmentContacts): AppointmentContacts['specialists'] {
  if (a.specialistId !== null || a.specialty === null) return [];
  return c.specialists.filter(
    (s) =>
      s.specialty === a.specialty &&
      s.disabled !== true &&
      ((s.gateways ?? []).some((p) => matches(p, a.gatewayId)) ||
        c.sites.some((site) => (s.sites ?? []).includes(site.id) && site.gateways.some((p) => matches(p, a.gatewayId)))),
  );
}

/**
 * The appointment's recipients: its named specialist (or, booked for a specialty's pool, the
 * pool's members), and the site's contact when the cart is in a site that has one (a nursing
 * home's desk), else the patient's own (a home kit).
 */
export function recipientsOf(
  a: AppointmentRecord,
  c: AppointmentContacts,
  patient: PatientAddress | undefined,
  patientLink?: string,
): Recipient[] {
  const out: Recipient[] = [];
  const named = a.specialistId === null ? undefined : c.specialists.find((x) => x.id === a.specialistId);
  for (const s of named ? [named] : poolOf(a, c))
    if (s.email !== undefined || s.phone !== undefined) out.push({ name: s.name, email: s.email, phone: s.phone });
  const site = siteContactOf(a, c);
  if (site?.contact) out.push({ name: site.name, ...site.contact });
  else if (patient) out.push({ ...patient, link: patientLink });
  return out;
}

export class AppointmentInviter {
  private readonly now: () => number;
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  private cancel: (() => void) | null = null;
  /**
   * States already offered to the outbox by this process (appointment, last change, status, reminder
   * due): a later round skips building their messages again. Only a saving: the idempotency keys are
   * the guarantee, and a restart offers everything once more.
   */
  private readonly offered = new Set<string>();

  constructor(private readonly o: AppointmentInviterOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts the loop; the first round (the start-up sweep) is done when this resolves. */
  start(): Promise<void> {
    this.cancel = (this.o.schedule ?? intervalScheduler)(() => void this.wake(), this.o.everyMs);
    return this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
    await this.queue;
  }

  /** Runs one round; a wake-up during a round queues one more (a booking wakes it). */
  wake(): Promise<void> {
    if (this.stopped || this.queued) return this.queue;
    this.queued = true;
    this.queue = this.queue.then(async () => {
      this.queued = false;
      try {
        await this.round();
      } catch (err) {
        // The next round retries: every step is repeatable.
        this.o.logger.error({ err }, 'invite: round failed; retried at the next one');
      }
    });
    return this.queue;
  }

  private async context(a: AppointmentRecord, patient: PatientAddress | undefined, now: Date): Promise<MessageContext> {
    const t = textsIn(invite, this.o.lang);
    const s = a.specialistId === null ? undefined : this.o.contacts.specialists.find((x) => x.id === a.specialistId);
    return {
      appointment: a,
      recipients: recipientsOf(a, this.o.contacts, patient, await this.patientLink(a, now)),
      withWhom: s?.name ?? format(t.pool, { specialty: a.specialty ?? '?' }),
      organizer: this.o.organizer,
      uidDomain: this.o.uidDomain,
      timeZone: this.o.timeZone,
      lang: this.o.lang,
      now,
    };
  }

  /** A home act's join link (none for a cart act: the nurse starts the call; none once cancelled). */
  private async patientLink(a: AppointmentRecord, now: Date): Promise<string | undefined> {
    const j = this.o.joinLinks;
    if (!j || a.status !== 'scheduled' || siteContactOf(a, this.o.contacts)) return undefined;
    return issueJoinLink({ store: this.o.store, key: j.key, appointment: a, publicBaseUrl: j.publicBaseUrl, now });
  }

  private async round(): Promise<void> {
    const now = new Date(this.now());
    const { store } = this.o;
    let added = 0;
    if (this.offered.size > MAX_OFFERED) this.offered.clear();
    for await (const [a, patient] of this.appointments(['scheduled'], now)) {
      const due = dueReminder(a, this.o.leads, now);
      // The patient's address is part of the state: a contact changed is offered again, to the new
      // address (its own idempotency keys); what the outbox still held for the old one was withdrawn (directory/patient-contact.ts).
      const state = `${a.id}|${a.updatedAt}|${a.status}|${due ?? ''}|${patient?.email ?? ''}|${patient?.phone ?? ''}`;
      if (this.offered.has(state)) continue;
      const c = await this.context(a, patient, now);
      const messages = appointmentMessages(c, 'invitation');
      if (due) messages.push(...appointmentMessages(c, { reminder: due }));
      if (messages.length > 0) added += await store.enqueueOutbox(messages, now);
      this.offered.add(state);
    }
    for await (const [a, patient] of this.appointments(['cancelled', 'not-done'], now)) {
      const state = `${a.id}|${a.updatedAt}|${a.status}`;
      if (this.offered.has(state)) continue;
      // Nothing more to remind; unsent invitations withdrawn; who may have it in a calendar gets the CANCEL.
      await store.cancelOutbox(reminderTopic(a.id), now);
      await store.cancelOutbox(invitationTopic(a.id), now);
      const sent = await store.listOutbox({ topic: invitationTopic(a.id), status: 'sent', limit: 1 });
      // Not memoised before an invitation is seen sent: one leased at the cancellation may settle as sent later.
      if (sent.length === 0) continue;
      const messages = appointmentMessages(await this.context(a, patient, now), 'cancellation');
      if (messages.length > 0) added += await store.enqueueOutbox(messages, now);
      this.offered.add(state);
    }
    if (added > 0) {
      this.o.logger.info({ added }, 'invite: messages enqueued');
      this.o.onEnqueued();
    }
  }

  /** The appointments in this state whose slot has not started yet, page by page, each with its patient's address. */
  private async *appointments(
    status: AppointmentRecord['status'][],
    now: Date,
  ): AsyncGenerator<[AppointmentRecord, PatientAddress | undefined]> {
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.o.store.listAppointments({ status, from: now, limit: PAGE, offset });
      const addresses = await this.o.contacts.patients(page.map((a) => a.patientId));
      for (const a of page) yield [a, addresses.get(a.patientId)];
      if (page.length < PAGE) return;
    }
  }
}
