/**
 * The telemonitoring enrolments part of the store contract (migration 19), run on every CloudStore
 * (SQLite, PostgreSQL) from its test file next to the other suites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from './cloud-store.js';
import type { NewEnrolment } from './enrolment-records.js';
import type { StoreHarness, StoreTestDatabase } from './store-suite.js';

const base: NewEnrolment = {
  patientId: 'p-hf',
  programme: 'heart-failure',
  start: '2026-11-01T00:00:00.000Z',
  end: null,
  prescriber: { name: 'Dr Claire Roux', rpps: '10003456786' },
  consent: {
    collectedBy: 'ide.martin',
    collectedAt: '2026-10-30T10:00:00.000Z',
    method: 'written',
    givenBy: 'representative',
    representative: 'Marc Leroy (son)',
  },
  thresholds: { 'hf-weight-gain-3d': { kg: 2.5 } },
  createdBy: 'dr.roux',
};

export function enrolmentStoreSuite(harness: StoreHarness): void {
  let db: StoreTestDatabase;
  let store: CloudStore;
  describe(`${harness.name}: telemonitoring enrolments`, () => {
    // Inside the describe: at the top level they would run before every test of the file, every suite's.
    beforeEach(async () => {
      db = await harness.fresh();
      store = await db.open();
    });
    afterEach(async () => {
      await store.close();
      await db.drop();
    });
    it('reads back what was written, keeps an ended enrolment with who ended it, and lists the active ones', async () => {
      const r = await store.enrol(base);
      if (r.outcome !== 'enrolled') throw new Error(`not enrolled: ${r.outcome}`);
      const { id, createdAt, ...rest } = r.enrolment;
      expect(rest).toEqual({ ...base, endedBy: null, endedAt: null });
      expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(await store.getEnrolment(id)).toEqual(r.enrolment);
      // A second programme for the same patient is another enrolment.
      const bp = await store.enrol({ ...base, programme: 'hypertension', thresholds: null, consent: null, prescriber: null });
      expect(bp.outcome).toBe('enrolled');
      expect((await store.activeEnrolments(new Date('2026-11-15T00:00:00Z'))).map((e) => e.programme)).toEqual([
        'heart-failure',
        'hypertension',
      ]);
      expect(await store.activeEnrolments(new Date('2026-10-31T23:59:59Z'))).toEqual([]);

      const ended = await store.endEnrolment(id, new Date('2026-12-01T00:00:00Z'), 'dr.roux');
      expect(ended).toMatchObject({ outcome: 'ended', enrolment: { id, end: '2026-12-01T00:00:00.000Z', endedBy: 'dr.roux' } });
      expect(await store.endEnrolment(id, new Date('2026-12-02T00:00:00Z'), 'dr.roux')).toMatchObject({ outcome: 'already-ended' });
      expect(await store.endEnrolment('00000000-0000-4000-8000-000000000000', new Date(), 'x')).toEqual({ outcome: 'not-found' });
      expect(await store.endEnrolment('not-a-uuid', new Date(), 'x')).toEqual({ outcome: 'not-found' });
      // The end is exclusive: the last instant before it is inside, the end itself is not.
      expect((await store.activeEnrolments(new Date('2026-11-30T23:59:59.999Z'))).map((e) => e.programme)).toEqual([
        'heart-failure',
        'hypertension',
      ]);
      expect((await store.activeEnrolments(new Date('2026-12-01T00:00:00Z'))).map((e) => e.programme)).toEqual(['hypertension']);
      // The ended row stays in the patient's history.
      expect((await store.patientEnrolments('p-hf')).map((e) => [e.programme, e.end])).toEqual([
        ['heart-failure', '2026-12-01T00:00:00.000Z'],
        ['hypertension', null],
      ]);
      expect(await store.patientEnrolments('nobody')).toEqual([]);
    });

    it('refuses an overlapping enrolment in the same programme, and accepts one after the end', async () => {
      const first = await store.enrol({ ...base, end: '2026-12-01T00:00:00.000Z' });
      if (first.outcome !== 'enrolled') throw new Error(first.outcome);
      const overlap = await store.enrol({ ...base, start: '2026-11-30T00:00:00.000Z' });
      expect(overlap).toMatchObject({ outcome: 'overlap', existing: { id: first.enrolment.id } });
      // Open-ended, starting before: overlaps too.
      expect(await store.enrol({ ...base, start: '2026-01-01T00:00:00.000Z' })).toMatchObject({ outcome: 'overlap' });
      // Back to back: [start, end) periods do not share the end instant.
      expect(await store.enrol({ ...base, start: '2026-12-01T00:00:00.000Z' })).toMatchObject({ outcome: 'enrolled' });
      // Another patient is not concerned.
      expect(await store.enrol({ ...base, patientId: 'p-other' })).toMatchObject({ outcome: 'enrolled' });
      expect(await store.patientEnrolments('p-hf')).toHaveLength(2);
    });

    it('lets only one of two concurrent overlapping enrolments through', async () => {
      const other = await db.open();
      try {
        const results = await Promise.all([store.enrol(base), other.enrol(base), store.enrol(base)]);
        expect(results.map((r) => r.outcome).sort()).toEqual(['enrolled', 'overlap', 'overlap']);
      } finally {
        await other.close();
      }
    });

    it('refuses an end before the start, a representative without a name, and an end after the planned end', async () => {
      expect(await store.enrol({ ...base, end: '2026-11-01T00:00:00.000Z' })).toMatchObject({
        outcome: 'refused',
        reason: expect.stringMatching(/must be after start/),
      });
      expect(await store.enrol({ ...base, consent: base.consent && { ...base.consent, representative: null } })).toMatchObject({
        outcome: 'refused',
        reason: expect.stringMatching(/representative/),
      });
      const r = await store.enrol({ ...base, end: '2026-12-01T00:00:00.000Z' });
      if (r.outcome !== 'enrolled') throw new Error(r.outcome);
      expect(await store.endEnrolment(r.enrolment.id, new Date('2026-10-01T00:00:00Z'), 'x')).toMatchObject({ outcome: 'refused' });
      expect(await store.endEnrolment(r.enrolment.id, new Date('2026-12-05T00:00:00Z'), 'x')).toMatchObject({ outcome: 'refused' });
      expect(await store.patientEnrolments('p-hf')).toMatchObject([{ end: '2026-12-01T00:00:00.000Z', endedBy: null }]);
      await store.setEnrolmentThresholds(r.enrolment.id, { 'hf-no-weight': { days: 1 } });
      expect((await store.getEnrolment(r.enrolment.id))?.thresholds).toEqual({ 'hf-no-weight': { days: 1 } });
    });
  });
}
