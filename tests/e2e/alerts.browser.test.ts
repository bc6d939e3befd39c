/**
 * The dashboard's alerts panel in a real headless Chromium: after sign-in, a heart-failure alert
 * raised by readings published over MQTT appears without a reload, and the clinician acknowledges
 * it with a note — a live refresh while the note is being typed (another patient's alert) keeps it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';
import { hasChromium, launchChromium } from '../support/chromium.js';

const PASSWORD = 'alerts-panel-test-password';
const DAY = 86_400_000;

describe.skipIf(!hasChromium)('alerts panel in Chromium', () => {
  let dir: string;
  let cloud: Cloud;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-alerts-ui-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      patients: [
        { id: 'hf-7', family: 'Martin', given: 'Jeanne', gateways: ['home-7'], telemonitoring: { programme: 'heart-failure' } },
        { id: 'hf-8', family: 'Durand', given: 'Paul', gateways: ['home-7'], telemonitoring: { programme: 'heart-failure' } },
      ],
      logger: pino({ level: 'silent' }),
      teleconsult: {
        specialists: [{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['home-*'] }],
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a new alert live and acknowledges it with a note', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${cloud.httpUrl}/`);
    await page.fill('#login-id', 'dr-roux');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForURL(`${cloud.httpUrl}/`), page.click('button[type=submit]')]);
    await expect.poll(() => page.locator('#live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    const panel = page.locator('#alerts-list');
    await expect.poll(() => panel.textContent()).toContain('Aucune alerte ouverte');

    const gw = await TestGateway.connect(cloud.mqttUrl, 'home-7');
    const today = Date.now();
    const weightsOf = (patientId: string, firstSeq: number) =>
      [68.0, 68.7, 69.4, 70.1].map((value, i) =>
        reading('weight', { seq: firstSeq + i, gatewayId: 'home-7', patientId, value, at: new Date(today - (3 - i) * DAY).toISOString() }),
      );
    await gw.send(batchOf(weightsOf('hf-7', 1), { gatewayId: 'home-7' }));

    const row = panel.locator('tr[data-rule="hf-weight-gain-3d"][data-patient="hf-7"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('th').textContent()).toBe('MARTIN Jeanne');
    expect(await row.locator('.alert-text').textContent()).toBe('Poids +2,1 kg en 3 jours (68,0 → 70,1 kg)');
    expect(await row.getAttribute('data-severity')).toBe('critical');

    const note = row.locator('input[data-note-for]');
    await note.fill('rappel infirmier demain');
    // Another patient's alert re-renders the panel while the note is being written: the note stays.
    await gw.send(batchOf(weightsOf('hf-8', 5), { gatewayId: 'home-7' }));
    await expect.poll(() => panel.locator('tr[data-rule="hf-weight-gain-3d"]').count(), { timeout: 10_000 }).toBe(2);
    expect(await note.inputValue()).toBe('rappel infirmier demain');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-note-for') ?? null)).not.toBeNull();

    await row.locator('button[data-ack]').click();
    await expect.poll(() => panel.locator('tr[data-rule="hf-weight-gain-3d"]').count(), { timeout: 10_000 }).toBe(1);
    const { alerts } = await cloud.store.listAlerts({ patientId: 'hf-7' });
    expect(alerts).toMatchObject([{ status: 'acknowledged', ackBy: 'dr-roux', ackNote: 'rappel infirmier demain' }]);

    await page.locator('#lang-toggle').click();
    await expect.poll(() => page.locator('#alerts-heading').textContent()).toBe('Telemonitoring alerts');
    await expect.poll(() => panel.locator('tr[data-rule="hf-weight-gain-3d"] th').textContent()).toBe('DURAND Paul');
    expect(errors).toEqual([]);
    await gw.close();
  }, 60_000);
});
