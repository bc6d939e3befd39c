/**
 * The cloud's ingest trusts nothing a cart says, tested the way an outside client would talk to
 * it: a plain mqtt.js client over mutual TLS publishing hand-written JSON (not the gateway's sync).
 *
 * - Attribution comes from the cloud's configuration: a reading names its patient by the cart's
 *   local id, which the configuration maps, for that cart, to the cloud's patient. A local id the
 *   configuration does not assign to the sending cart (another site's patient, an unknown id) is
 *   refused in the ack as `patient-not-served`, counted, audited once, and never stored, never
 *   creates a patient nor links one to the cart. Two sites that both call a resident `r12` keep two
 *   patients: each cart's readings land in its own site's, and each site's clinicians see only theirs.
 * - What is stored is the validated object: a batch whose text hides another array behind a
 *   duplicate, escaped "observations" key stores exactly what JSON.parse gave the validator.
 */
import { randomUUID } from 'node:crypto';
import { type Cloud, startCloud } from '@telecart/cloud';
import type { GatewayCredentials } from '@telecart/gateway';
import { type BatchAck, topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { waitFor } from '../support/wait.js';
import { enrollWith, homeGateway, quiet, tempDir } from './support.js';

const dir = tempDir();
let cloud: Cloud;
const creds: Record<string, GatewayCredentials> = {};
const clients: MqttClient[] = [];
const drA = testClinician({ id: 'dr-a', gateways: [], sites: ['site-a'] });
const drC = testClinician({ id: 'dr-c', gateways: [], sites: ['site-c'] });

/** One reading as JSON text, written by hand (a pulse rate of `value`). */
function readingText(o: { id?: string; seq: number; gatewayId: string; patientId: string; value?: number | string }): string {
  const value = typeof o.value === 'string' ? JSON.stringify(o.value) : String(o.value ?? 72);
  return `{"id":"${o.id ?? randomUUID()}","seq":${o.seq},"gatewayId":"${o.gatewayId}","status":"final","flags":[],
    "patient":{"id":"${o.patientId}","assignment":"nurse-selected"},
    "device":{"id":"ble:C0:FF:EE:00:00:01","transport":"ble","model":"SIM"},
    "time":{"effective":"2026-11-23T09:00:00.000Z","device":null,"received":"2026-11-23T09:00:00.000Z","correctionMs":0,"source":"gateway"},
    "lane":"spot","code":{"loinc":"8867-4","display":"Heart rate","mdc":149546},
    "value":{"value":${value},"unit":"/min"}}`;
}

function batchText(gatewayId: string, observations: string, batchId = randomUUID()): { batchId: string; text: string } {
  return {
    batchId,
    text: `{"v":1,"batchId":"${batchId}","gatewayId":"${gatewayId}","lane":"spot","sentAt":"2026-11-23T09:00:01.000Z","observations":${observations}}`,
  };
}

/** Connects as `gatewayId` with its enrolled certificate; resolves acks by batch id. */
async function cart(gatewayId: string): Promise<{ send(text: string, batchId: string): Promise<BatchAck> }> {
  const c = await mqtt.connectAsync(cloud.mqttUrl, { ...creds[gatewayId]!, clientId: gatewayId, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(c);
  const waiting = new Map<string, (a: BatchAck) => void>();
  c.on('message', (_t, p) => {
    const ack = JSON.parse(p.toString()) as BatchAck;
    waiting.get(ack.batchId)?.(ack);
  });
  await c.subscribeAsync(topics.ack(gatewayId), { qos: 1 });
  return {
    send(text, batchId) {
      const acked = new Promise<BatchAck>((resolve) => waiting.set(batchId, resolve));
      c.publish(topics.uplink(gatewayId, 'spot'), Buffer.from(text), { qos: 1 });
      return acked;
    },
  };
}

beforeAll(async () => {
  cloud = await startCloud({
    dataDir: dir.path,
    mqttPort: 0,
    httpPort: 0,
    tls: { enabled: true, enrollPort: 0 },
    logger: quiet(),
    patients: [
      // Site A's resident, known there by local id r12; site B's carts have no r12 the cloud knows;
      // site C has a resident of its own it also calls r12.
      { id: 'a-r12', localId: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-03-14', gateways: ['cart-a'] },
      { id: 'b-7', family: 'PETIT', given: 'Louis', gateways: ['cart-b'] },
      { id: 'c-r12', localId: 'r12', family: 'DUBOIS', given: 'Henri', birthDate: '1941-07-02', gateways: ['cart-c'] },
    ],
    teleconsult: {
      specialists: [drA.account, drC.account],
      sites: [
        { id: 'site-a', name: 'Les Tilleuls', gateways: ['cart-a'] },
        { id: 'site-c', name: 'Les Glycines', gateways: ['cart-c'] },
      ],
    },
  });
  for (const id of ['cart-a', 'cart-b', 'cart-c']) creds[id] = await enrollWith(cloud, dir.path, id);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.endAsync().catch(() => undefined);
  await cloud?.stop();
  dir.remove();
});

describe('attribution by the cloud, not by the cart', () => {
  it("refuses cart B's readings of A's patient and of unknown ids; stores B's own; links nothing", async () => {
    const b = await cart('cart-b');
    const { batchId, text } = batchText(
      'cart-b',
      `[${readingText({ seq: 1, gatewayId: 'cart-b', patientId: 'b-7' })},
        ${readingText({ seq: 2, gatewayId: 'cart-b', patientId: 'r12', value: 180 })},
        ${readingText({ seq: 3, gatewayId: 'cart-b', patientId: 'nobody-known' })}]`,
    );
    const ack = await b.send(text, batchId);
    expect(ack.stored).toEqual([[1, 1]]);
    expect(ack.rejected.map((r) => r.seq)).toEqual([2, 3]);
    for (const r of ack.rejected)
      expect(r.reason).toMatch(/^patient-not-served: patient "(r12|nobody-known)" is not assigned to gateway cart-b/);

    expect(await cloud.store.countObservations({ patientId: 'a-r12' })).toBe(0);
    expect(await cloud.store.countObservations({ patientId: 'b-7' })).toBe(1);
    expect(await cloud.store.getPatient('nobody-known')).toBeNull();
    expect(await cloud.store.getPatient('r12')).toBeNull();
    // B's clinicians see the patients of B's carts: A's r12 stays A's alone.
    expect(await cloud.store.patientGateways('a-r12')).toEqual(['cart-a']);
    expect(cloud.ingest.metrics()).toMatchObject({ readingsNotServed: 2, readingsRejected: 2, observationsStored: 1 });
  });

  it('audits each refused (cart, patient) once; a refused reading sent again is refused again, never merged', async () => {
    const b = await cart('cart-b');
    for (const seq of [4, 5]) {
      const { batchId, text } = batchText('cart-b', `[${readingText({ seq, gatewayId: 'cart-b', patientId: 'r12' })}]`);
      const ack = await b.send(text, batchId);
      expect(ack).toMatchObject({ stored: [], rejected: [{ seq }] });
    }
    const audit = await cloud.store.listAudit({ gatewayId: 'cart-b' });
    const refused = audit.filter((e) => e.action === 'reading-refused');
    expect(refused.map((e) => [e.actor, e.actorRole, e.patientId])).toEqual([
      ['cart-b', 'gateway', 'r12'],
      ['cart-b', 'gateway', 'nobody-known'],
    ]);
    expect(cloud.ingest.metrics().readingsNotServed).toBe(4);
    expect(await cloud.store.countObservations({ patientId: 'a-r12' })).toBe(0);
  });

  it("stores each cart's readings of local id r12 under its own site's patient; each site's clinicians see theirs only", async () => {
    const a = await cart('cart-a');
    const c = await cart('cart-c');
    const idA = randomUUID();
    const idC = randomUUID();
    const fromA = batchText('cart-a', `[${readingText({ id: idA, seq: 1, gatewayId: 'cart-a', patientId: 'r12', value: 71 })}]`);
    const fromC = batchText('cart-c', `[${readingText({ id: idC, seq: 1, gatewayId: 'cart-c', patientId: 'r12', value: 96 })}]`);
    expect(await a.send(fromA.text, fromA.batchId)).toMatchObject({ stored: [[1, 1]], rejected: [] });
    expect(await c.send(fromC.text, fromC.batchId)).toMatchObject({ stored: [[1, 1]], rejected: [] });

    // Stored as validated, under the cloud's patient id (what the cart calls it is in the configuration).
    const sentA = (JSON.parse(fromA.text) as { observations: { patient: object }[] }).observations[0];
    expect(await cloud.store.getObservation(idA)).toEqual({ ...sentA, patient: { ...sentA?.patient, id: 'a-r12' } });
    expect(await cloud.store.getObservation(idC)).toMatchObject({ gatewayId: 'cart-c', patient: { id: 'c-r12' }, value: { value: 96 } });
    expect(await cloud.store.countObservations({ patientId: 'a-r12' })).toBe(1);
    expect(await cloud.store.countObservations({ patientId: 'c-r12' })).toBe(1);
    expect(await cloud.store.getPatient('r12')).toBeNull();

    const get = async (path: string, headers: Record<string, string>) => {
      const res = await fetch(`${cloud.httpUrl}${path}`, { headers });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const patients = async (headers: Record<string, string>) =>
      ((await get('/api/patients', headers)).json.patients as { id: string; family: string }[]).map((p) => [p.id, p.family]);
    expect(await patients(drA.headers)).toEqual([['a-r12', 'MARTIN']]);
    expect(await patients(drC.headers)).toEqual([['c-r12', 'DUBOIS']]);
    // Site C's clinician never reaches site A's r12, whatever way is asked.
    expect((await get('/fhir/Patient/a-r12', drC.headers)).status).toBe(404);
    expect((await get(`/fhir/Observation/${idA}`, drC.headers)).status).toBe(404);
    expect((await get('/fhir/Observation?patient=a-r12', drC.headers)).json).toMatchObject({ total: 0 });
    expect((await get('/api/patients/a-r12/observations', drC.headers)).status).toBe(404);

    // Each FHIR Observation names its own site's patient as subject, and that subject resolves.
    for (const [dr, id, patient, family] of [
      [drA, idA, 'a-r12', 'MARTIN'],
      [drC, idC, 'c-r12', 'DUBOIS'],
    ] as const) {
      const obs = await get(`/fhir/Observation/${id}`, dr.headers);
      expect(obs.status).toBe(200);
      const subject = obs.json.subject as { reference: string };
      expect(subject.reference).toMatch(new RegExp(`/fhir/Patient/${patient}$`));
      const resolved = await fetch(subject.reference, { headers: dr.headers });
      expect(await resolved.json()).toMatchObject({ resourceType: 'Patient', id: patient, name: [{ family }] });
    }
  });
});

describe('one configured patient per id', () => {
  it('refuses to start with the same patient id configured twice (two sites would merge)', async () => {
    const twice = [
      { id: 'r12', family: 'MARTIN', given: 'Jeanne', gateways: ['cart-a'] },
      { id: 'r12', family: 'DUBOIS', given: 'Henri', gateways: ['cart-b'] },
    ];
    await expect(startCloud({ dataDir: `${dir.path}/twice`, mqttPort: 0, httpPort: 0, logger: quiet(), patients: twice })).rejects.toThrow(
      /patients\.1\.id: duplicate patient id "r12"/,
    );
  });
});

describe('the gateway keeps and shows what the cloud refused', () => {
  it('a real gateway whose patient the cloud does not serve: kept rejected with the reason, shown, never resent', async () => {
    creds['kit-x'] = await enrollWith(cloud, dir.path, 'kit-x');
    // Its home patient (home-1) is in no cloud configuration.
    const kit = await homeGateway({ gatewayId: 'kit-x', cloudUrl: cloud.mqttUrl, dataDir: `${dir.path}/kit-x` });
    try {
      const before = cloud.ingest.metrics().readingsNotServed;
      kit.measure(1);
      await waitFor(() => kit.gateway.store.stats().rejected === 1, { what: 'the refused reading quarantined' });
      kit.measure(1);
      await waitFor(() => kit.gateway.store.stats().rejected === 2, { what: 'the second refused reading quarantined' });
      expect(kit.gateway.store.stats()).toMatchObject({ pending: 0, rejected: 2 });
      // Each was sent once: a resent reading would be refused (and counted) again.
      expect(cloud.ingest.metrics().readingsNotServed - before).toBe(2);
      expect(await cloud.store.getPatient('home-1')).toBeNull();
      const status = (await (await fetch(`${kit.gateway.httpUrl}/api/status`)).json()) as {
        backlog: { rejected: number };
        rejectedByCloud: { seq: number; patientId: string; reason: string }[];
      };
      expect(status.backlog.rejected).toBe(2);
      expect(status.rejectedByCloud).toHaveLength(2);
      for (const r of status.rejectedByCloud) {
        expect(r.patientId).toBe('home-1');
        expect(r.reason).toMatch(/^patient-not-served: patient "home-1" is not assigned to gateway kit-x/);
      }
    } finally {
      await kit.stop();
    }
  });
});

describe('what is stored is what was validated', () => {
  it('a forged array behind a duplicate, escaped "observations" key is never stored nor served', async () => {
    const b = await cart('cart-b');
    const id = randomUUID();
    const forged = readingText({ id, seq: 10, gatewayId: 'cart-a', patientId: 'r12', value: '<img src=x onerror=alert(1)>' });
    const real = readingText({ id, seq: 10, gatewayId: 'cart-b', patientId: 'b-7', value: 64 });
    const batchId = randomUUID();
    // JSON.parse keeps the later key, written with an escape: that array is the one validated.
    const text = `{"v":1,"batchId":"${batchId}","gatewayId":"cart-b","lane":"spot","sentAt":"2026-11-23T09:00:01.000Z",
      "observations":[${forged}],"observ\\u0061tions":[${real}]}`;
    expect(await b.send(text, batchId)).toMatchObject({ stored: [[10, 10]], rejected: [] });
    const stored = await cloud.store.getObservation(id);
    expect(stored).toEqual((JSON.parse(text) as { observations: unknown[] }).observations[0]);
    expect(stored).toMatchObject({ gatewayId: 'cart-b', patient: { id: 'b-7' }, value: { value: 64 } });
    expect(await cloud.store.countObservations({ patientId: 'a-r12' })).toBe(1); // A's own reading only
  });
});
