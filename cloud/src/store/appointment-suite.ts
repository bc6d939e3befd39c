/**
 * The appointments part of the store contract (migration 11), run on every CloudStore (SQLite,
 * PostgreSQL) from its test file next to the other suites.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentBooking } from './appointment-records.js';
import type { CloudStore } from './cloud-store.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const at = (h: number, min = 0) => new Date(Date.UTC(2026, 11, 7, h, min)).toISOString();
const consent = { by: 'patient', method: 'oral', representative: null, collectedAt: at(9), collectedBy: null } as const;

function booking(over: Partial<AppointmentBooking> = {}): AppointmentBooking {
  return {
    id: randomUUID(),
    gatewayId: 'cart-1',
    patientId: 'pat-1',
    localPatientId: 'pat-1',
    patientIns: null,
    start: at(10),
    end: at(10, 30),
    specialistId: 'dr-roux',
    specialty: null,
    reason: 'suivi insuffisance cardiaque',
    bookedBy: 'dr-roux',
    at: at(8),
    ...over,
  };
}

export function appointmentStoreSuite(harness: StoreHarness): void {
  // Its own describe: hooks at the file's top level would run before every test of the file, every suite's.
  describe(`${harness.name}: appointments`, () => {
    let db: StoreTestDatabase;
    let store: CloudStore;
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });

    describe(`${harness.name}: appointments`, () => {
      it('books an appointment as a scheduled act, read back by id, session and in lists', async () => {
        const b = booking();
        const r = await store.bookAppointment(b);
        expect(r.ok).toBe(true);
        const a = await store.getAppointment(b.id);
        expect(a).toEqual({
          id: b.id,
          sessionId: b.id,
          gatewayId: 'cart-1',
          patientId: 'pat-1',
          localPatientId: 'pat-1',
          start: at(10),
          end: at(10, 30),
          specialistId: 'dr-roux',
          specialty: null,
          reason: 'suivi insuffisance cardiaque',
          status: 'scheduled',
          outcome: null,
          bookedBy: 'dr-roux',
          bookedAt: at(8),
          updatedAt: at(8),
        });
        // The act's own row: the acts list and the relay see it as any act.
        const act = await store.getTeleconsultation(b.id);
        expect(act).toMatchObject({ status: 'scheduled', patientId: 'pat-1', requestedSpecialistId: 'dr-roux', consent: null });
        expect(await store.appointmentOfSession(b.id)).toEqual(a);
        expect((await store.listAppointments({ from: new Date(at(9)), to: new Date(at(11)) })).map((x) => x.id)).toEqual([b.id]);
        expect(await store.listAppointments({ from: new Date(at(11)) })).toEqual([]);
        expect((await store.listAppointments({ patientId: 'pat-1', specialistId: 'dr-roux', status: ['scheduled'] })).length).toBe(1);
        expect(await store.listAppointments({ gatewayPatterns: ['home-*'] })).toEqual([]);
        expect(await store.getAppointment(randomUUID())).toBeNull();
        expect(await store.getAppointment('not-a-uuid')).toBeNull();
      });

      it('refuses a slot overlapping an active appointment of the same cart or the same patient; a finished one frees it', async () => {
        const first = booking();
        expect((await store.bookAppointment(first)).ok).toBe(true);
        const sameCart = await store.bookAppointment(
          booking({ patientId: 'pat-2', localPatientId: 'r13', start: at(10, 15), end: at(10, 45) }),
        );
        expect(sameCart).toMatchObject({ ok: false, error: 'overlap', other: { id: first.id } });
        const samePatient = await store.bookAppointment(booking({ gatewayId: 'home-7', start: at(10, 29), end: at(11) }));
        expect(samePatient).toMatchObject({ ok: false, error: 'overlap', other: { id: first.id } });
        // Back to back is not an overlap; another cart and patient at the same time neither.
        expect((await store.bookAppointment(booking({ start: at(10, 30), end: at(11) }))).ok).toBe(true);
        expect((await store.bookAppointment(booking({ gatewayId: 'cart-2', patientId: 'pat-3', localPatientId: 'x' }))).ok).toBe(true);
        // Nothing of the refused bookings was stored.
        expect((await store.listAppointments({})).length).toBe(3);
        expect((await store.closeAppointment(first.id, 'cancelled', 'patient hospitalisé', at(9))).ok).toBe(true);
        expect((await store.bookAppointment(booking({ start: at(10, 15), end: at(10, 25) }))).ok).toBe(true);
      });

      it('decides concurrent bookings of one slot one at a time: exactly one is stored', async () => {
        const results = await Promise.all(Array.from({ length: 6 }, () => store.bookAppointment(booking())));
        expect(results.filter((r) => r.ok).length).toBe(1);
        expect((await store.listAppointments({})).length).toBe(1);
      });

      it('reschedules a scheduled appointment unless the new slot overlaps another; never a finished one', async () => {
        const a = booking();
        const b = booking({ start: at(14), end: at(14, 30) });
        await store.bookAppointment(a);
        await store.bookAppointment(b);
        // Moving within its own slot is no overlap with itself.
        const moved = await store.rescheduleAppointment(a.id, at(10, 10), at(10, 40), at(9));
        expect(moved).toMatchObject({
          ok: true,
          appointment: { start: at(10, 10), end: at(10, 40), updatedAt: at(9), status: 'scheduled' },
        });
        expect(await store.rescheduleAppointment(a.id, at(14, 20), at(14, 50), at(9))).toMatchObject({
          ok: false,
          error: 'overlap',
          other: { id: b.id },
        });
        expect((await store.getAppointment(a.id))?.start).toBe(at(10, 10));
        expect(await store.rescheduleAppointment(randomUUID(), at(15), at(16), at(9))).toEqual({ ok: false, error: 'not-found' });
        await store.closeAppointment(b.id, 'not-done', 'no-show', at(15));
        expect(await store.rescheduleAppointment(b.id, at(16), at(16, 30), at(15))).toMatchObject({ ok: false, error: 'bad-status' });
      });

      it('closes a scheduled appointment as cancelled or not done with its reason, once', async () => {
        const a = booking();
        await store.bookAppointment(a);
        const r = await store.closeAppointment(a.id, 'not-done', 'technical-failure', at(10, 5));
        expect(r).toMatchObject({ ok: true, appointment: { status: 'not-done', outcome: 'technical-failure' } });
        expect(await store.getTeleconsultation(a.id)).toMatchObject({
          status: 'not-done',
          outcome: 'technical-failure',
          endedAt: at(10, 5),
        });
        const again = await store.closeAppointment(a.id, 'cancelled', 'x', at(10, 6));
        expect(again).toMatchObject({ ok: false, error: 'bad-status' });
        expect((await store.getAppointment(a.id))?.outcome).toBe('technical-failure');
      });

      it('a call in the window claims the appointment: the act takes the call id and consent, and waits', async () => {
        const a = booking();
        await store.bookAppointment(a);
        const claim = (over: { at?: Date; patientId?: string; gatewayId?: string } = {}) => ({
          gatewayId: 'cart-1',
          patientId: 'pat-1',
          localPatientId: 'r12',
          sessionId: randomUUID(),
          consent,
          at: new Date(at(9, 50)),
          earlyMs: 15 * 60_000,
          lateMs: 30 * 60_000,
          ...over,
        });
        // Too early, another patient, another cart: no appointment is due.
        expect(await store.claimAppointment(claim({ at: new Date(at(9, 40)) }))).toBeNull();
        expect(await store.claimAppointment(claim({ patientId: 'pat-2' }))).toBeNull();
        expect(await store.claimAppointment(claim({ gatewayId: 'cart-2' }))).toBeNull();
        const c = claim();
        const claimed = await store.claimAppointment(c);
        expect(claimed).toMatchObject({ id: a.id, sessionId: c.sessionId, status: 'waiting', patientId: 'pat-1', localPatientId: 'r12' });
        const act = await store.getTeleconsultation(c.sessionId);
        expect(act).toMatchObject({
          status: 'waiting',
          patientId: 'r12',
          consent: { by: 'patient', method: 'oral' },
          requestedSpecialistId: 'dr-roux',
        });
        expect(await store.getTeleconsultation(a.id)).toBeNull();
        expect((await store.appointmentOfSession(c.sessionId))?.id).toBe(a.id);
        // Claimed once: a second call is a new act, not this appointment.
        expect(await store.claimAppointment(claim())).toBeNull();
        // The relay's later writes of the act keep the appointment.
        if (act) await store.upsertTeleconsultation({ ...act, status: 'in-progress', updatedAt: at(10) });
        expect(await store.getAppointment(a.id)).toMatchObject({ status: 'in-progress', start: at(10), sessionId: c.sessionId });
      });
    });
  });
}
