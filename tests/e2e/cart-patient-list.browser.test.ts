/**
 * The cart works from the cloud's patient list: a real cloud (embedded broker, SQLite, the directory's
 * publisher) and a real gateway connected to it, the nurse page open in Chromium. Before any list the
 * configuration's patients are the choice; an administrator's admission reaches the open page without a
 * reload (the resident appears, the configured-only one goes); a discharge takes the resident off the
 * choice and off the selection, and a reading held meanwhile can no longer be assigned to them, nor a
 * call placed for them. Restarted with no cloud, the gateway still lists what the cloud last sent.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import type { DeviceFrame } from '@telecart/devices';
import { type Gateway, type GatewayConfig, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { PATIENT_CONSENT } from '../teleconsult/support.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** 0x2A35: 120/80 mmHg, MAP 93, pulse 64/min. */
const BP = hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00');
const frame = (bytes: Uint8Array): DeviceFrame => ({
  deviceId: 'ble:A0:B1:C2:D3:E4:F5',
  transport: 'ble',
  name: 'UA-651BLE',
  characteristic: '2A35',
  bytes,
  receivedAt: Date.now(),
});

const admin = testClinician({ id: 'admin-a', role: 'site-admin', audit: false, gateways: [], sites: ['ehpad-a'] });

describe.skipIf(!hasChromium)('the cart’s patient list from the cloud', () => {
  let cloudDir: string;
  let cloud: Cloud;
  let gwDir: TempDir;
  let gw: Gateway | undefined;
  let browser: Browser;
  let config: GatewayConfig;
  const frames = new EventEmitter();

  async function directory(path: string, body: unknown) {
    const r = await fetch(`${cloud.httpUrl}/api/directory${path}`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as { message?: string } };
  }

  async function cart(method: string, path: string, body?: unknown) {
    const r = await fetch(`${gw?.httpUrl}${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  const options = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLOptionElement>('#patient option')].filter((o) => o.value).map((o) => o.textContent),
    );

  beforeAll(async () => {
    cloudDir = mkdtempSync(join(tmpdir(), 'telecart-cart-list-'));
    cloud = await startCloud({
      dataDir: cloudDir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      patients: [],
      teleconsult: { sites: [{ id: 'ehpad-a', name: 'EHPAD A', gateways: ['cart-a*'] }], specialists: [admin.account] },
    });
    gwDir = tempDir('telecart-cart-list-gw-');
    config = resolveGatewayConfig({
      gatewayId: 'cart-a1',
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      timeZone: 'Europe/Paris',
      // The seed: cfg-1 is the configuration's only; r12's room is the configuration's (the directory has none).
      patients: [
        { id: 'cfg-1', family: 'Seed', given: 'Only' },
        { id: 'r12', family: 'Martin', given: 'J.', room: '12' },
      ],
      http: { host: '127.0.0.1', port: 0 },
      sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
    });
    gw = await startGateway({ config, dataDir: gwDir.path, cloudUrl: cloud.mqttUrl, frames: frames as never });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await cloud?.stop();
    gwDir?.remove();
    if (cloudDir) rmSync(cloudDir, { recursive: true, force: true });
  });

  it('follows admissions and discharges live; a discharged resident is refused for held readings and calls', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${gw?.httpUrl}/`);
      await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');
      // No list from the cloud yet: the configuration's patients.
      expect(await options(page)).toEqual(['Only Seed', 'J. Martin (12)']);

      for (const [id, family, given, localId] of [
        ['p-1', 'MARTIN', 'Jeanne', 'r12'],
        ['p-2', 'DURAND', 'Paul', 'r14'],
      ] as const) {
        expect((await directory('/patients', { id, family, given, birthDate: '1938-04-02', identityStatus: 'provisional' })).status).toBe(
          201,
        );
        expect((await directory(`/patients/${id}/admit`, { gateway: 'cart-a1', localId })).status).toBe(200);
      }
      // The open page follows the cloud's list: both residents, the seed-only patient gone, r12's room kept.
      await expect.poll(() => options(page), { timeout: 10_000 }).toEqual(['Jeanne MARTIN (12)', 'Paul DURAND']);
      expect(gw?.patients.residentList()).toMatchObject({ source: 'cloud', patients: [{ id: 'r12' }, { id: 'r14' }] });

      // A reading with no one selected is held (the pressure and the pulse); then the nurse picks Paul DURAND.
      frames.emit('frame', frame(BP));
      await expect.poll(() => gw?.store.stats().held, { timeout: 10_000 }).toBe(2);
      const seqs = (gw?.store.list('held', 10) ?? []).map((r) => r.seq);
      await page.selectOption('#patient', 'r14');
      await expect.poll(() => page.locator('#who').textContent()).toBe('Patient : Paul DURAND');

      // Discharged: off the choice and off the selection, with no reload and no restart.
      expect((await directory('/patients/p-2/discharge', { reason: 'retour à domicile' })).status).toBe(200);
      await expect.poll(() => options(page), { timeout: 10_000 }).toEqual(['Jeanne MARTIN (12)']);
      await expect.poll(() => page.locator('#who').textContent()).toMatch(/^Aucun patient sélectionné/);
      expect(gw?.patients.current()).toBeNull();

      // The reading held for him cannot be given to him now; it stays held. Nor can he be called for or selected.
      const refused = await cart('POST', '/api/readings/assign', { seqs, patientId: 'r14' });
      expect(refused.status).toBe(404);
      expect(refused.body.message).toMatch(/patient "r14" is not on this cart's list .*transferred, discharged.*the readings stay held/);
      expect(gw?.store.stats().held).toBe(2);
      const call = await cart('POST', '/api/teleconsult/call', { patientId: 'r14', consent: PATIENT_CONSENT });
      expect(call.status).toBe(404);
      expect(call.body.message).toMatch(/not on this cart's list/);
      expect((await cart('PUT', '/api/context/patient', { patientId: 'r14' })).status).toBe(404);
      // The configuration's patient is no longer the cart's either.
      expect((await cart('PUT', '/api/context/patient', { patientId: 'cfg-1' })).status).toBe(404);

      // To the resident still on the cart it goes.
      const ok = await cart('POST', '/api/readings/assign', { seqs, patientId: 'r12' });
      expect(ok.body).toEqual({ assigned: seqs, skipped: [] });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('restarted with no cloud, the gateway lists what the cloud last sent', async () => {
    const stopping = gw;
    gw = undefined;
    await stopping?.stop();
    // Nothing listens on port 9 of the loopback: the cart is offline.
    gw = await startGateway({ config, dataDir: gwDir.path, cloudUrl: 'mqtt://127.0.0.1:9' });
    const r = await cart('GET', '/api/patients');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([{ id: 'r12', family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02', room: '12' }]);
    expect((await cart('PUT', '/api/context/patient', { patientId: 'r14' })).status).toBe(404);
    expect((await cart('PUT', '/api/context/patient', { patientId: 'r12' })).status).toBe(200);
  }, 60_000);
});
