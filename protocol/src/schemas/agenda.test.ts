import { describe, expect, it } from 'vitest';
import { compile } from '../validate.js';
import { CartAgenda, type CartAgenda as CartAgendaMsg } from './agenda.js';

const check = compile(CartAgenda);

const good: CartAgendaMsg = {
  v: 1,
  gatewayId: 'cart-1',
  at: '2026-12-06T07:00:00.000Z',
  day: '2026-12-06',
  timeZone: 'Europe/Paris',
  acts: [
    {
      id: 'apt-1',
      start: '2026-12-06T09:00:00.000Z',
      end: '2026-12-06T09:30:00.000Z',
      patient: 'bed-12',
      specialist: 'Dr Martin',
      specialty: null,
      status: 'scheduled',
      reason: 'plaie du talon',
    },
  ],
  documents: [
    {
      id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      patient: 'bed-12',
      title: 'Compte rendu de téléconsultation',
      date: '2026-12-05T15:00:00.000Z',
      signer: 'Dr Martin',
      version: 1,
      url: 'https://cloud.example.org/r/abc',
      expiresAt: '2026-12-13T15:00:00.000Z',
    },
  ],
};

describe('CartAgenda', () => {
  it('accepts a day with acts and documents', () => {
    expect(check.validate(good)).toEqual({ ok: true, value: good });
  });

  it('refuses unknown fields, a bad status, a non-http link and a missing patient, naming the path', () => {
    const bad = (mutate: (a: CartAgendaMsg) => void): string[] => {
      const a = structuredClone(good) as CartAgendaMsg;
      mutate(a);
      const r = check.validate(a);
      return r.ok ? [] : r.issues.map((i) => i.path);
    };
    expect(bad((a) => Object.assign(a, { extra: 1 }))).toContain('/extra');
    expect(bad((a) => Object.assign(a.acts[0] ?? {}, { status: 'booked' }))).toContain('/acts/0/status');
    expect(bad((a) => Object.assign(a.documents[0] ?? {}, { url: 'javascript:alert(1)' }))).toContain('/documents/0/url');
    expect(bad((a) => Object.assign(a.acts[0] ?? {}, { patient: '' }))).toContain('/acts/0/patient');
    expect(bad((a) => Object.assign(a, { v: 2 }))).toContain('/v');
  });
});
