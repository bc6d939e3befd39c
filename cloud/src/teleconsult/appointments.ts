/**
 * Booking, rescheduling and closing appointments for a specialist: the checks only the cloud can
 * make (the slot not in the past, the patient known and assigned to that cart or home kit, the
 * specialist or the specialty's pool able to see that cart), then the store's (no overlap). Every
 * refusal is an error with context for the caller and a line in the audit trail; nothing is
 * written for a refused request.
 */
import { randomUUID } from 'node:crypto';
import { format, type RefusalCode, refusals } from '@telecart/ui';
import type { AppointmentRecord, ChangeResult } from '../store/appointment-records.js';
import type { AuditEventInput, CloudStore } from '../store/cloud-store.js';
import type { Specialist, SpecialistDirectory } from './specialists.js';

export const MIN_MINUTES = 5;
export const MAX_MINUTES = 240;

export interface BookRequest {
  patientId: string;
  gatewayId: string;
  start: Date;
  minutes: number;
  reason: string | null;
  /** Named specialist, or… */
  specialistId: string | null;
  /** …the pool of this specialty. */
  specialty: string | null;
}

/** A refusal: its status, its stable code (the i18n catalogue's key), the values of its text, and the English text (the audit's). */
export type AppointmentRefusal = {
  ok: false;
  status: 400 | 403 | 404 | 409 | 422;
  code: RefusalCode;
  params: Record<string, string>;
  message: string;
};
export type AppointmentOutcome = { ok: true; appointment: AppointmentRecord } | AppointmentRefusal;

type Why = { code: RefusalCode; params?: Record<string, string> };

/** The refusal's text in a language (the English one is its `message`). */
export function refusalText(r: Pick<AppointmentRefusal, 'code' | 'params'>, lang: 'fr' | 'en'): string {
  return format(refusals[r.code][lang], r.params);
}

export interface AppointmentServiceOptions {
  store: CloudStore;
  directory: SpecialistDirectory;
  /** In order with the relay's own audit lines. */
  audit: (e: Omit<AuditEventInput, 'at'>) => void;
  now?: () => Date;
  /** Told after a booking, a reschedule or a close was stored: wakes the invitations loop, rebuilds that cart's day (agenda/). */
  onChange?: (gatewayId: string) => void;
}

/** Why an appointment did not take place, as the pages offer them (any other short text is kept as given). */
export const NOT_DONE_REASONS = ['no-show', 'technical-failure', 'patient-unavailable', 'specialist-unavailable'] as const;

export class AppointmentService {
  private readonly now: () => Date;

  constructor(private readonly o: AppointmentServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async book(by: Specialist, r: BookRequest): Promise<AppointmentOutcome> {
    const { store, directory } = this.o;
    const refuse = (status: 400 | 403 | 404 | 409 | 422, why: Why) => this.refuse(by, 'appointment-refused', r, status, why);
    const now = this.now();
    const slot = this.checkSlot(r.start, r.minutes, now);
    if (slot) return refuse(slot.status, slot);
    if (!directory.maySee(by.id, r.gatewayId)) return refuse(403, { code: 'appointment-cart-not-yours', params: { cart: r.gatewayId } });
    if ((r.specialistId === null) === (r.specialty === null)) return refuse(400, { code: 'appointment-specialist-or-pool' });
    if (r.specialistId !== null) {
      const s = directory.get(r.specialistId);
      if (!s) return refuse(422, { code: 'appointment-unknown-specialist', params: { specialist: r.specialistId } });
      if (!directory.maySee(s.id, r.gatewayId))
        return refuse(422, { code: 'appointment-specialist-not-serving', params: { specialist: r.specialistId, cart: r.gatewayId } });
    }
    if (r.specialty !== null && !directory.poolServes(r.specialty, r.gatewayId))
      return refuse(422, { code: 'appointment-empty-pool', params: { specialty: r.specialty, cart: r.gatewayId } });
    const patient = await store.getPatient(r.patientId);
    if (patient?.source !== 'configured') return refuse(422, { code: 'appointment-unknown-patient', params: { patient: r.patientId } });
    const carts = await store.patientGateways(r.patientId);
    if (!carts.includes(r.gatewayId))
      return refuse(422, {
        code: 'appointment-patient-not-assigned',
        params: { patient: r.patientId, cart: r.gatewayId, carts: carts.join(', ') || '—' },
      });
    const id = randomUUID();
    const start = r.start.toISOString();
    const end = new Date(r.start.getTime() + r.minutes * 60_000).toISOString();
    const res = await store.bookAppointment({
      id,
      gatewayId: r.gatewayId,
      patientId: r.patientId,
      localPatientId: r.patientId,
      patientIns: patient?.ins ?? null,
      start,
      end,
      specialistId: r.specialistId,
      specialty: r.specialty,
      reason: r.reason,
      bookedBy: by.id,
      at: now.toISOString(),
    });
    if (!res.ok) return refuse(409, overlapOf(res.other));
    this.o.audit({
      actor: by.id,
      actorRole: by.role,
      action: 'appointment',
      sessionId: id,
      gatewayId: r.gatewayId,
      patientId: r.patientId,
      detail: `booked ${start} for ${r.minutes} min with ${r.specialistId ?? `the ${r.specialty} pool`}`,
    });
    this.o.onChange?.(r.gatewayId);
    return { ok: true, appointment: res.appointment };
  }

  async reschedule(by: Specialist, id: string, start: Date, minutes: number): Promise<AppointmentOutcome> {
    const found = await this.mine(by, id, 'appointment-reschedule-refused');
    if (!found.ok) return found;
    const a = found.appointment;
    const about = { patientId: a.patientId, gatewayId: a.gatewayId };
    const slot = this.checkSlot(start, minutes, this.now());
    if (slot) return this.refuse(by, 'appointment-reschedule-refused', about, slot.status, slot, id);
    const end = new Date(start.getTime() + minutes * 60_000).toISOString();
    const res = await this.o.store.rescheduleAppointment(id, start.toISOString(), end, this.now().toISOString());
    return this.changed(by, res, 'appointment-reschedule', about, id, `${a.start} → ${start.toISOString()} for ${minutes} min`);
  }

  /** Cancelled (`cancelled`), or not done with the reason (no-show, technical failure…). */
  async close(by: Specialist, id: string, to: 'cancelled' | 'not-done', reason: string): Promise<AppointmentOutcome> {
    const action = to === 'cancelled' ? 'appointment-cancel' : 'appointment-not-done';
    const found = await this.mine(by, id, `${action}-refused`);
    if (!found.ok) return found;
    const a = found.appointment;
    const res = await this.o.store.closeAppointment(id, to, reason, this.now().toISOString());
    return this.changed(by, res, action, { patientId: a.patientId, gatewayId: a.gatewayId }, id, reason);
  }

  /** An appointment this specialist may handle (one of their carts); not found and not theirs read the same. */
  async mine(by: Specialist, id: string, refusedAction: string): Promise<AppointmentOutcome> {
    const a = await this.o.store.getAppointment(id);
    if (!a || !this.o.directory.maySee(by.id, a.gatewayId)) {
      this.o.audit({
        actor: by.id,
        actorRole: by.role,
        action: refusedAction,
        ...(a ? { gatewayId: a.gatewayId, patientId: a.patientId } : {}),
        detail: `no appointment ${id}${a ? ' (cart not allowed)' : ''}`,
      });
      return refusalOf(404, { code: 'appointment-not-found', params: { id } });
    }
    return { ok: true, appointment: a };
  }

  private changed(
    by: Specialist,
    res: ChangeResult,
    action: string,
    about: { patientId: string; gatewayId: string },
    id: string,
    detail: string,
  ): AppointmentOutcome {
    if (res.ok) {
      this.o.audit({ actor: by.id, actorRole: by.role, action, sessionId: id, ...about, detail });
      this.o.onChange?.(about.gatewayId);
      return { ok: true, appointment: res.appointment };
    }
    const [status, why]: [409 | 404, Why] =
      res.error === 'overlap'
        ? [409, overlapOf(res.other)]
        : res.error === 'bad-status'
          ? [409, { code: 'appointment-bad-status', params: { id, status: res.appointment.status } }]
          : [404, { code: 'appointment-not-found', params: { id } }];
    return this.refuse(by, `${action}-refused`, about, status, why, id);
  }

  private checkSlot(start: Date, minutes: number, now: Date): (Why & { status: 400 | 422 }) | null {
    if (Number.isNaN(start.getTime())) return { status: 400, code: 'appointment-start-not-date' };
    if (!Number.isInteger(minutes) || minutes < MIN_MINUTES || minutes > MAX_MINUTES)
      return {
        status: 400,
        code: 'appointment-duration',
        params: { min: String(MIN_MINUTES), max: String(MAX_MINUTES), minutes: String(minutes) },
      };
    if (start.getTime() <= now.getTime())
      return { status: 422, code: 'appointment-start-past', params: { start: start.toISOString(), now: now.toISOString() } };
    return null;
  }

  private refuse(
    by: Specialist,
    action: string,
    about: { patientId: string; gatewayId: string },
    status: 400 | 403 | 404 | 409 | 422,
    why: Why,
    id?: string,
  ): AppointmentOutcome {
    const refusal = refusalOf(status, why);
    this.o.audit({
      actor: by.id,
      actorRole: by.role,
      action,
      ...(id ? { sessionId: id } : {}),
      gatewayId: about.gatewayId,
      patientId: about.patientId,
      detail: refusal.message.slice(0, 300),
    });
    return refusal;
  }
}

function refusalOf(status: AppointmentRefusal['status'], why: Why): AppointmentRefusal {
  const params = why.params ?? {};
  return { ok: false, status, code: why.code, params, message: refusalText({ code: why.code, params }, 'en') };
}

function overlapOf(other: AppointmentRecord): Why {
  return {
    code: 'appointment-overlap',
    params: { id: other.id, start: other.start, end: other.end, cart: other.gatewayId, status: other.status },
  };
}
