/**
 * Sites, carts and on-call teams managed through the administration API, and each administrator's
 * scope. One real cloud with TLS on (embedded aedes broker with mutual TLS, HTTPS enrolment, SQLite
 * store) and a real SMTP server (smtp-server), over loopback:
 * - the administrator of EHPAD A sees and changes only its site, its patients, its carts; another
 *   site's patient or cart answers 404 exactly like an unknown one, and each refusal is audited;
 * - a cart enrolled from a one-time token issued on the administration API connects; revoked there,
 *   its open connection is closed and its next one refused;
 * - an on-call team set on the administration API receives the e-mail of an alert raised for a
 *   patient created, admitted and enrolled only through the API (nothing in the configuration).
 */

import { type Cloud, startCloud } from '@telecart/cloud';
import { credentialPaths, enrollGateway, type GatewayCredentials, loadGatewayCredentials } from '@telecart/gateway';
import { encodePayload, type ObservationBatch, topics } from '@telecart/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { type SmtpSink, startSmtpSink } from '../../cloud/src/testing/smtp-sink.js';
import { quiet, refused, tempDir } from '../security/support.js';

const DAY = 86_400_000;
const everyCart = testClinician({ id: 'admin-all', role: 'site-admin', audit: false, gateways: ['*'] });
const adminA = testClinician({ id: 'admin-a', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad-a'] });
const adminB = testClinician({ id: 'admin-b', role: 'site-admin', audit: false, gateways: [], sites: ['home-b'] });
const gpA = testClinician({ id: 'dr-a', role: 'gp', audit: false, gateways: [], sites: ['ehpad-a'] });
const doctor = testClinician({ id: 'dr-b', role: 'gp', audit: false, gateways: [], sites: ['home-b'] });
const RPPS = '10003456786';

const dir = tempDir('telecart-adminsites-');
let cloud: Cloud;
let sink: SmtpSink;

async function api(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${cloud.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Enrols the cart with the token the administration API issued; its files under the test's directory. */
async function enrolCart(gatewayId: string, token: string, force = false): Promise<GatewayCredentials> {
  const paths = credentialPaths(`${dir.path}/${gatewayId}`);
  await enrollGateway({ url: cloud.enrollUrl as string, token, caFingerprint: cloud.security!.caFingerprint(), gatewayId, paths, force });
  return loadGatewayCredentials(paths, gatewayId);
}

function connectCart(gatewayId: string, creds: GatewayCredentials): Promise<MqttClient> {
  return mqtt.connectAsync(cloud.mqttUrl, { ...creds, clientId: gatewayId, reconnectPeriod: 0, connectTimeout: 5000 });
}

async function scopeRefusals(actor: string): Promise<string[]> {
  await cloud.teleconsult.relay.flush();
  const trail = await cloud.store.listAudit({ actor, limit: 200, offset: 0 });
  return trail.filter((e) => e.action === 'scope-refused').map((e) => e.detail ?? '');
}

beforeAll(async () => {
  sink = await startSmtpSink();
  cloud = await startCloud({
    dataDir: dir.path,
    mqttPort: 0,
    httpPort: 0,
    tls: { enabled: true, enrollPort: 0 },
    logger: quiet(),
    patients: [
      { id: 'p-a', family: 'ALPHA', given: 'Anne', birthDate: '1940-01-01', gateways: ['cart-a1'] },
      { id: 'p-b', family: 'BETA', given: 'Bernard', birthDate: '1941-02-02', gateways: ['kit-b1'] },
    ],
    teleconsult: {
      sites: [
        { id: 'ehpad-a', name: 'EHPAD A', gateways: ['cart-a*'] },
        { id: 'home-b', name: 'Télésurveillance B', kind: 'home', gateways: ['kit-b*'] },
      ],
      specialists: [everyCart.account, adminA.account, adminB.account, { ...gpA.account, rpps: RPPS }, { ...doctor.account, rpps: RPPS }],
    },
    outbox: { email: { host: '127.0.0.1', port: sink.port, tls: 'none', from: 'alertes@telecart.example' }, everySeconds: 1 },
    alertNotifications: { dashboardUrl: 'https://cloud.example', checkEverySeconds: 1 },
  });
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  await sink?.close();
  dir.remove();
});

describe('sites in the store', () => {
  it('lists and changes only the administrator’s own sites; only an administrator of every cart creates one', async () => {
    const mine = await api('GET', '/api/admin/sites', adminA.headers);
    expect(mine.status).toBe(200);
    expect(mine.body.sites).toEqual([
      expect.objectContaining({ id: 'ehpad-a', name: 'EHPAD A', kind: 'ehpad', gateways: ['cart-a*'], source: 'config' }),
    ]);
    const all = await api('GET', '/api/admin/sites', everyCart.headers);
    expect((all.body.sites as { id: string; kind: string }[]).map((s) => `${s.id}:${s.kind}`)).toEqual(['ehpad-a:ehpad', 'home-b:home']);

    expect((await api('POST', '/api/admin/sites', adminA.headers, { id: 'ehpad-c', name: 'EHPAD C', kind: 'ehpad' })).status).toBe(403);
    const created = await api('POST', '/api/admin/sites', everyCart.headers, {
      id: 'ehpad-c',
      name: 'EHPAD C',
      kind: 'ehpad',
      gateways: ['cart-c*'],
      contact: { email: 'accueil@c.example' },
    });
    expect(created.status).toBe(201);
    expect((await cloud.store.getSite('ehpad-c'))?.source).toBe('admin');

    const renamed = await api('PATCH', '/api/admin/sites/ehpad-a', adminA.headers, {
      name: 'EHPAD A (Les Tilleuls)',
      contact: { phone: '+33612345678' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.site).toMatchObject({ name: 'EHPAD A (Les Tilleuls)', contact: { phone: '+33612345678' } });
    // Patterns could take another site's carts: not for a site administrator.
    expect((await api('PATCH', '/api/admin/sites/ehpad-a', adminA.headers, { gateways: ['*'] })).status).toBe(403);
    // Another site answers like an unknown one.
    const other = await api('PATCH', '/api/admin/sites/home-b', adminA.headers, { name: 'mine now' });
    expect(other.status).toBe(404);
    const unknown = await api('PATCH', '/api/admin/sites/nowhere', adminA.headers, { name: 'x' });
    expect(other.body.message).toBe(String(unknown.body.message).replace('nowhere', 'home-b'));
    expect((await cloud.store.getSite('home-b'))?.name).toBe('Télésurveillance B');
    expect(await scopeRefusals('admin-a')).toEqual(
      expect.arrayContaining([expect.stringMatching(/site home-b is not one this account manages/)]),
    );
  });
});

describe('scope of a site administrator', () => {
  it('does not read, admit, transfer, discharge, merge or change another site’s patient (404, audited)', async () => {
    const list = await api('GET', '/api/directory/patients', adminA.headers);
    expect((list.body.patients as { id: string }[]).map((p) => p.id)).toEqual(['p-a']);
    const unknown = await api('GET', '/api/directory/patients/nobody', adminA.headers);
    const other = await api('GET', '/api/directory/patients/p-b', adminA.headers);
    expect(other.status).toBe(404);
    expect(other.body.message).toBe(String(unknown.body.message).replace('nobody', 'p-b'));
    expect((await api('GET', '/api/directory/patients/p-a', adminA.headers)).status).toBe(200);

    const identity = { family: 'BETA', given: 'Bernard', birthDate: '1941-02-02', identityStatus: 'provisional' };
    expect((await api('PUT', '/api/directory/patients/p-b', adminA.headers, identity)).status).toBe(404);
    expect((await api('POST', '/api/directory/patients/p-b/admit', adminA.headers, { gateway: 'cart-a2' })).status).toBe(404);
    expect((await api('POST', '/api/directory/patients/p-b/transfer', adminA.headers, { gateway: 'cart-a2' })).status).toBe(404);
    expect((await api('POST', '/api/directory/patients/p-b/discharge', adminA.headers, {})).status).toBe(404);
    expect((await api('POST', '/api/directory/merge', adminA.headers, { survivor: 'p-a', duplicate: 'p-b' })).status).toBe(404);
    // Its own patient is not moved onto another site's cart either.
    expect((await api('POST', '/api/directory/patients/p-a/transfer', adminA.headers, { gateway: 'kit-b3' })).status).toBe(404);
    const fhir = await fetch(`${cloud.httpUrl}/fhir/Patient/p-b`, {
      method: 'PUT',
      headers: { ...adminA.headers, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'p-b', name: [{ family: 'X', given: ['Y'] }], birthDate: '1941-02-02' }),
    });
    expect(fhir.status).toBe(404);
    // Nothing changed.
    expect(await cloud.store.getDirectoryPatient('p-b')).toMatchObject({ family: 'BETA', mergedInto: null });
    expect((await cloud.store.patientGateways('p-b')).sort()).toEqual(['kit-b1']);

    // The administrator of every cart does all of it.
    expect((await api('GET', '/api/directory/patients/p-b', everyCart.headers)).status).toBe(200);

    const refusals = await scopeRefusals('admin-a');
    expect(refusals.filter((d) => /patient p-b is not on a site/.test(d)).length).toBeGreaterThanOrEqual(7);
    expect(refusals).toEqual(expect.arrayContaining([expect.stringMatching(/cart kit-b3 is not on a site this account manages/)]));
  });

  it('does not read nor enrol another site’s patient in a programme', async () => {
    const enrolment = {
      programme: 'heart-failure',
      start: new Date(Date.now() - 5 * DAY).toISOString(),
      prescriber: { name: 'Dr A', rpps: RPPS },
      consent: { collectedBy: 'ide-a', collectedAt: new Date(Date.now() - 5 * DAY).toISOString(), method: 'written', givenBy: 'patient' },
    };
    expect((await api('GET', '/api/patients/p-b/enrolments', gpA.headers)).status).toBe(404);
    expect((await api('POST', '/api/patients/p-b/enrolments', gpA.headers, enrolment)).status).toBe(404);
    expect(await cloud.store.patientEnrolments('p-b')).toEqual([]);
    expect((await api('GET', '/api/patients/p-a/enrolments', gpA.headers)).status).toBe(200);
    expect(await scopeRefusals('dr-a')).toHaveLength(2);
  });
});

describe('carts enrolled and revoked from the administration API', () => {
  it('issues a one-time token shown once; the enrolled cart connects; revoked, it is closed and refused', async () => {
    // Another site's carts are not this administrator's to enrol.
    expect((await api('POST', '/api/admin/carts', adminA.headers, { gatewayId: 'kit-b7', site: 'home-b' })).status).toBe(404);
    expect((await api('POST', '/api/admin/carts', adminA.headers, { gatewayId: 'kit-b7', site: 'ehpad-a' })).status).toBe(409);

    const issued = await api('POST', '/api/admin/carts', adminA.headers, { gatewayId: 'cart-new', site: 'ehpad-a' });
    expect(issued.status).toBe(201);
    const token = String(issued.body.token);
    expect(Date.parse(String(issued.body.expiresAt))).toBeGreaterThan(Date.now());
    // Only its hash is kept: the token is in no stored row nor audit line.
    await cloud.teleconsult.relay.flush();
    expect(JSON.stringify(await cloud.store.listAudit({ limit: 500, offset: 0 }))).not.toContain(token.split('.').at(-1));
    // The cart joined its site: in the administrator's scope from now on.
    expect((await cloud.store.getSite('ehpad-a'))?.gateways).toEqual(['cart-a*', 'cart-new']);

    const creds = await enrolCart('cart-new', token);
    // Enrolled, not connected yet: listed as never connected, with its enrolment date.
    const carts = await api('GET', '/api/admin/carts', adminA.headers);
    expect((carts.body.carts as { gatewayId: string }[]).find((c) => c.gatewayId === 'cart-new')).toEqual({
      gatewayId: 'cart-new',
      site: 'ehpad-a',
      online: false,
      version: null,
      backlog: null,
      lastSeenAt: null,
      enrolledAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    // Another site's administrator does not see it.
    expect(
      ((await api('GET', '/api/admin/carts', adminB.headers)).body.carts as { gatewayId: string }[]).map((c) => c.gatewayId),
    ).not.toContain('cart-new');
    await expect(enrolCart('cart-new', token, true)).rejects.toThrow(/already used/);
    const live = await connectCart('cart-new', creds);
    expect(live.connected).toBe(true);
    const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));

    // The administrator of another site cannot revoke it; its own can.
    expect((await api('POST', '/api/admin/carts/cart-new/revoke', adminB.headers)).status).toBe(404);
    expect(live.connected).toBe(true);
    const revoked = await api('POST', '/api/admin/carts/cart-new/revoke', adminA.headers);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ gatewayId: 'cart-new', revoked: 1 });
    await closed;
    expect(await refused(cloud.mqttUrl, { ...creds, clientId: 'cart-new' })).toBeTruthy();

    await cloud.teleconsult.relay.flush();
    const trail = await cloud.store.listAudit({ actor: 'admin-a', limit: 200, offset: 0 });
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['cart-enrol-token', 'cart-revoke']));
    expect(await scopeRefusals('admin-b')).toEqual(expect.arrayContaining([expect.stringMatching(/cart cart-new is on site ehpad-a/)]));
  }, 60_000);
});

describe('on-call teams from the administration API', () => {
  it('tells the member set on the API of an alert of a patient enrolled only through the API', async () => {
    const team = {
      programmes: ['heart-failure'],
      site: 'home-b',
      levels: [{ afterMinutes: 0, contacts: [{ name: 'IDE de télésurveillance B', email: 'ide-b@example.org' }] }],
    };
    // Not for another site's administrator, nor without a site for a site administrator.
    expect((await api('PUT', '/api/admin/oncall-teams/ic-b', adminA.headers, team)).status).toBe(403);
    expect((await api('PUT', '/api/admin/oncall-teams/ic-b', adminB.headers, { ...team, site: undefined })).status).toBe(403);
    // A contact the outbox cannot reach is refused with the reason.
    const sms = await api('PUT', '/api/admin/oncall-teams/ic-b', adminB.headers, {
      ...team,
      levels: [{ contacts: [{ name: 'Dr SMS', phone: '+33612345678' }] }],
    });
    expect(sms.status).toBe(400);
    expect(sms.body.message).toMatch(/outbox\.sms/);
    const saved = await api('PUT', '/api/admin/oncall-teams/ic-b', adminB.headers, team);
    expect(saved.status).toBe(200);
    expect((await api('GET', '/api/admin/oncall-teams', adminA.headers)).body.teams).toEqual([]);
    expect((await api('GET', '/api/admin/oncall-teams', adminB.headers)).body.teams).toEqual([
      expect.objectContaining({ team: expect.objectContaining({ id: 'ic-b', site: 'home-b' }), source: 'admin' }),
    ]);

    // A home kit enrolled from the administration API, a patient created, admitted and enrolled through it.
    const issued = await api('POST', '/api/admin/carts', adminB.headers, { gatewayId: 'kit-b9', site: 'home-b' });
    expect(issued.status).toBe(201);
    const kit = await connectCart('kit-b9', await enrolCart('kit-b9', String(issued.body.token)));
    const created = await api('POST', '/api/directory/patients', adminB.headers, {
      id: 'hf-9',
      family: 'GAMMA',
      given: 'Jeanne',
      birthDate: '1939-03-03',
      identityStatus: 'provisional',
    });
    expect(created.status).toBe(201);
    expect((await api('POST', '/api/directory/patients/hf-9/admit', adminB.headers, { gateway: 'kit-b9' })).status).toBe(200);
    const start = Date.now() - 4 * DAY;
    const enrolled = await api('POST', '/api/patients/hf-9/enrolments', doctor.headers, {
      programme: 'heart-failure',
      start: new Date(start).toISOString(),
      prescriber: { name: 'Dr B', rpps: RPPS },
      consent: { collectedBy: 'ide-b', collectedAt: new Date(start).toISOString(), method: 'written', givenBy: 'patient' },
    });
    expect(enrolled.status).toBe(201);

    // +2.1 kg over 3 days: one heart-failure weight alert.
    const batch: ObservationBatch = batchOf(
      [68.0, 68.7, 69.4, 70.1].map((value, i) =>
        reading('weight', {
          seq: i + 1,
          gatewayId: 'kit-b9',
          patientId: 'hf-9',
          at: new Date(start + DAY / 2 + i * DAY).toISOString(),
          value,
        }),
      ),
      { gatewayId: 'kit-b9' },
    );
    await kit.publishAsync(topics.uplink('kit-b9', batch.lane), encodePayload(batch), { qos: 1 });
    const [mail] = await sink.waitFor(1, 30_000);
    await kit.endAsync();
    expect(mail?.to).toMatchObject({ text: 'ide-b@example.org' });
    expect(mail?.subject).toMatch(/prise de poids sur 3 jours \(J\. G\.\)$/);
  }, 60_000);
});
