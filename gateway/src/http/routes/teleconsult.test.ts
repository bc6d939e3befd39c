import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PatientContext } from '../../patient/context.js';
import type { TeleconsultAgent } from '../../teleconsult/agent.js';
import { loopbackAgent } from '../../testing/loopback-agent.js';
import { RecordingLink as Link } from '../../testing/recording-link.js';
import { registerTeleconsultRoutes } from './teleconsult.js';

const NOW = new Date('2026-11-23T14:02:07.123Z');

describe('POST /api/teleconsult/call — consent', () => {
  let app: FastifyInstance;
  let link: Link;
  let agent: TeleconsultAgent;
  beforeEach(async () => {
    link = new Link();
    agent = loopbackAgent(link);
    const patients = new PatientContext({
      mode: 'cart',
      patients: [{ id: 'p-001', family: 'Durand', given: 'Jeanne' }],
      deviceUsers: [],
    });
    patients.select('p-001');
    app = Fastify({ logger: false });
    registerTeleconsultRoutes(app, agent, patients, () => NOW);
    await app.ready();
  });
  afterEach(async () => {
    await agent.close();
    await app.close();
  });

  const call = (body: unknown) => app.inject({ method: 'POST', url: '/api/teleconsult/call', payload: body as object });

  it('refuses a call without a valid consent, with a message saying what is missing, and sends nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /required property 'consent'/],
      [{ reason: 'dyspnée' }, /consent/],
      [{ consent: { method: 'oral' } }, /required property 'by'/],
      [{ consent: { by: 'patient' } }, /required property 'method'/],
      [{ consent: { by: 'patient', method: 'implied' } }, /method/],
      [{ consent: { by: 'family', method: 'oral' } }, /by/],
      [{ consent: { by: 'representative', method: 'oral' } }, /representative.*name and relation/],
      [{ consent: { by: 'representative', method: 'oral', representative: { relation: 'fille' } } }, /required property 'name'/],
      [{ consent: { by: 'representative', method: 'oral', representative: { name: '   ', relation: 'fille' } } }, /name/],
      [{ consent: { by: 'representative', method: 'oral', representative: { name: 'Mme Martin', relation: '' } } }, /relation/],
      [
        { consent: { by: 'patient', method: 'oral', representative: { name: 'Mme Martin', relation: 'fille' } } },
        /only for consent given by a representative/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await call(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message, JSON.stringify(body)).toMatch(message);
    }
    expect(link.ups).toEqual([]);
    expect(agent.status().session).toBeNull();
  });

  it("carries the patient's consent, stamped with the gateway's time, in the RtcUp call", async () => {
    const res = await call({ reason: 'dyspnée', consent: { by: 'patient', method: 'oral' } });
    expect(res.statusCode).toBe(201);
    const { sessionId } = res.json() as { sessionId: string };
    expect(link.ups).toEqual([
      {
        v: 1,
        type: 'call',
        sessionId,
        patient: { id: 'p-001' },
        reason: 'dyspnée',
        consent: { by: 'patient', method: 'oral', collectedAt: NOW.toISOString() },
      },
    ]);
  });

  it("stamps the gateway's time: a time sent by the page is not taken", async () => {
    const res = await call({ consent: { by: 'patient', method: 'oral', collectedAt: '2020-01-01T00:00:00Z' } });
    expect(res.statusCode).toBe(201);
    const up = link.ups[0];
    expect(up?.type === 'call' && up.consent?.collectedAt).toBe(NOW.toISOString());
  });

  it("carries a representative's consent with their name and relation (trimmed)", async () => {
    const res = await call({
      consent: {
        by: 'representative',
        method: 'written',
        representative: { name: ' Mme Claire Martin ', relation: 'fille, personne de confiance' },
      },
    });
    expect(res.statusCode).toBe(201);
    const up = link.ups[0];
    expect(up?.type === 'call' && up.consent).toEqual({
      by: 'representative',
      method: 'written',
      representative: { name: 'Mme Claire Martin', relation: 'fille, personne de confiance' },
      collectedAt: NOW.toISOString(),
    });
  });

  it("keeps the act's patient from the call: a new selection, a cloud message or a second call cannot change it", async () => {
    const patients2 = new PatientContext({
      mode: 'cart',
      patients: [
        { id: 'p-001', family: 'Durand', given: 'Jeanne' },
        { id: 'p-002', family: 'Martin', given: 'Louis' },
      ],
      deviceUsers: [],
    });
    patients2.select('p-001');
    const app2 = Fastify({ logger: false });
    registerTeleconsultRoutes(app2, agent, patients2, () => NOW);
    await app2.ready();
    try {
      const first = await app2.inject({
        method: 'POST',
        url: '/api/teleconsult/call',
        payload: { consent: { by: 'patient', method: 'oral' } },
      });
      const { sessionId } = first.json() as { sessionId: string };
      patients2.select('p-002');
      // The cloud's view of the act (a wrong patient id here must not win over the one captured at call time).
      link.down({ v: 1, type: 'session', sessionId, status: 'in-progress', specialist: { id: 'dr-1', name: 'Dr Un' }, patientId: 'p-002' });
      for (let i = 0; i < 100 && agent.status().session?.status !== 'in-progress'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(agent.status().session).toMatchObject({ sessionId, status: 'in-progress', patientId: 'p-001' });
      const second = await app2.inject({
        method: 'POST',
        url: '/api/teleconsult/call',
        payload: { consent: { by: 'patient', method: 'oral' } },
      });
      expect(second.statusCode).toBe(409);
      expect(second.json().message).toMatch(/already under way .*patient p-001/);
      expect(link.ups.filter((u) => u.type === 'call')).toHaveLength(1);
      expect(agent.status().session).toMatchObject({ sessionId, patientId: 'p-001' });
      // Once the act is over, the next call goes out.
      link.down({ v: 1, type: 'session', sessionId, status: 'completed' });
      for (let i = 0; i < 100 && agent.status().session?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 10));
      const third = await app2.inject({
        method: 'POST',
        url: '/api/teleconsult/call',
        payload: { consent: { by: 'patient', method: 'oral' } },
      });
      expect(third.statusCode).toBe(201);
      expect(agent.status().session).toMatchObject({ status: 'waiting', patientId: 'p-002' });
    } finally {
      await app2.close();
    }
  });

  it("names the cloud's patient for an act this gateway did not place (e.g. after a restart)", async () => {
    const sessionId = '0193a4c2-7d1e-7c3a-9f00-000000000001';
    link.down({ v: 1, type: 'session', sessionId, status: 'in-progress', patientId: 'p-001' });
    for (let i = 0; i < 100 && agent.status().session === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(agent.status().session).toMatchObject({ sessionId, patientId: 'p-001' });
  });

  it("shows the nurse the cloud's refusal of a call (hangup with a reason before any act), then not-done", async () => {
    const { sessionId } = (await call({ consent: { by: 'patient', method: 'oral' } })).json() as { sessionId: string };
    link.down({ v: 1, type: 'hangup', sessionId, reason: 'no-consent' });
    link.down({ v: 1, type: 'session', sessionId, status: 'not-done' });
    for (let i = 0; i < 100 && agent.status().session?.status !== 'not-done'; i++) await new Promise((r) => setTimeout(r, 10));
    const view = (await app.inject({ method: 'GET', url: '/api/teleconsult' })).json() as ReturnType<TeleconsultAgent['status']>;
    expect(view.session).toMatchObject({ sessionId, status: 'not-done', refused: 'no-consent' });
    expect(view.counters.otherSession).toBe(0);
  });
});
