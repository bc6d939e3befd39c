/**
 * The carts/home boxes panel: a gateway's retained status, published over MQTT, shows on the
 * dashboard with its backlog and the store-full alarm, in French and English.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud.js';
import { testClinician } from '../../testing/clinician.js';
import { statusOf } from '../../testing/observations.js';

const clinician = testClinician();

describe('dashboard gateways panel', () => {
  let dir: string;
  let cloud: Cloud;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-gwpanel-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      teleconsult: { specialists: [clinician.account] },
    });
  });
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows each gateway, its backlog and a store alarm', async () => {
    const client = await mqtt.connectAsync(cloud.mqttUrl, { reconnectPeriod: 0 });
    const full = statusOf('cart-ehpad-2', true, 1234);
    full.backlog = {
      ...full.backlog!,
      held: 3,
      oldestUnsyncedAt: '2026-11-23T07:00:00.000Z',
      capacity: { level: 'near-full', usedBytes: 1_700_000_000, maxBytes: 2_147_483_648 },
    };
    await client.publishAsync(topics.status('cart-ehpad-2'), encodePayload(full), { qos: 1, retain: true });
    await client.publishAsync(topics.status('home-hf-1'), encodePayload(statusOf('home-hf-1', false, 0)), { qos: 1, retain: true });
    await client.endAsync();

    const fetchPanel = async (lang: string) =>
      (await fetch(`${cloud.httpUrl}/dashboard/gateways?lang=${lang}`, { headers: clinician.headers })).text();
    await expect.poll(async () => (await fetchPanel('fr')).includes('home-hf-1'), { timeout: 10_000 }).toBe(true);
    const fr = await fetchPanel('fr');
    expect(fr).toMatch(/<tr data-gateway="cart-ehpad-2" data-store="near-full" class="flagged">/);
    expect(fr).toContain('presque plein : enregistrement des tracés suspendu');
    expect(fr).toMatch(/1\u202f234 \(\+3 en attente de patient\)/);
    expect(fr).toMatch(/<tr data-gateway="home-hf-1" data-store="ok">.*hors ligne/);
    const en = await fetchPanel('en');
    expect(en).toContain('nearly full: waveform capture paused');
    const page = await (await fetch(`${cloud.httpUrl}/?lang=en`, { headers: clinician.headers })).text();
    expect(page).toContain('id="gateways-table"');
    expect(page).toContain('cart-ehpad-2');
  });
});
