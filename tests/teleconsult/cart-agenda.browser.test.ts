/**
 * The cart's day end to end in a real headless Chromium: a real cloud (embedded broker, SQLite,
 * fastify), a real gateway connected to it, the gateway's nurse page. An appointment booked in the
 * cloud appears in the nurse page's "Actes du jour" (by the resident's name the cart knows); a
 * report signed in the cloud appears in the current patient's documents, and its open button gives
 * the PDF through the gateway. After the gateway restarts with the cloud gone, the day is still shown.
 * The page's timers are paused once it has loaded (Playwright's clock): what it shows after that came
 * by the gateway's event stream (pushed), never by a poll; a moved appointment shows its new time.
 */
import { randomUUID } from 'node:crypto';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENDA_FALLBACK_MS } from '../../gateway/src/pages/nurse/refresh.js';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { sameParisDay } from '../support/paris-time.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

// The booked act and the time it is moved to, in one day of the cart (its day is the agenda clock's, START's).
const { start: START, later: LATER } = sameParisDay(5, 60);

describe.skipIf(!hasChromium)('the cart’s day on the nurse page', () => {
  let c: ConsultCloud;
  let dir: TempDir;
  let gw: Gateway | undefined;
  let browser: Browser;
  let roux: string;

  const gatewayConfig = () =>
    resolveGatewayConfig({
      gatewayId: 'cart-1',
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      timeZone: 'Europe/Paris',
      patients: [{ id: 'r12', family: 'Martin', given: 'Jeanne', room: '12' }],
      http: { host: '127.0.0.1', port: 0 },
      sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
    });

  beforeAll(async () => {
    c = await startConsultCloud({
      agendaClock: () => START,
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: ['cart-1'], localId: 'r12' }],
    });
    roux = await login(c.cloud.httpUrl, 'dr-roux', PASSWORDS['dr-roux']);
    dir = tempDir('telecart-cart-day-');
    gw = await startGateway({ config: gatewayConfig(), dataDir: dir.path, cloudUrl: c.cloud.mqttUrl });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await c?.stop();
    dir?.remove();
  });

  it('shows the booked act, then the signed report that opens as a PDF, and keeps the day after a restart offline', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.clock.install();
    await page.goto(`${gw?.httpUrl}/`);
    await expect.poll(() => page.locator('#acts-asof').textContent(), { timeout: 10_000 }).toMatch(/Journée du/);
    expect(await page.locator('#acts-list').textContent()).toBe('Aucun acte prévu aujourd’hui');
    // From here no page timer fires (no poll, not even the slow fallback): only the stream can bring changes.
    await expect.poll(() => page.evaluate(() => document.body.dataset.events)).toBe('open');
    await page.clock.pauseAt(new Date(Date.now() + 1000));
    expect(AGENDA_FALLBACK_MS).toBeGreaterThan(30_000);

    const booked = await fetch(`${c.cloud.httpUrl}/api/appointments`, {
      method: 'POST',
      headers: { cookie: roux, 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'p-001', gateway: 'cart-1', start: START.toISOString(), minutes: 20, specialist: 'dr-roux' }),
    });
    expect(booked.status).toBe(201);
    const act = page.locator('#acts-list li[data-status="scheduled"]');
    await expect.poll(() => act.textContent(), { timeout: 30_000 }).toMatch(/Jeanne Martin \(12\) — Dr Anne Roux — à venir/);
    // Moved in the cloud: the new time reaches the page the same way.
    const id = ((await booked.json()) as { appointment: { id: string } }).appointment.id;
    const later = LATER;
    const moved = await fetch(`${c.cloud.httpUrl}/api/appointments/${id}`, {
      method: 'PATCH',
      headers: { cookie: roux, 'content-type': 'application/json' },
      body: JSON.stringify({ start: later.toISOString(), minutes: 20 }),
    });
    expect(moved.status).toBe(200);
    await expect.poll(() => act.locator('time').getAttribute('datetime'), { timeout: 30_000 }).toBe(later.toISOString());

    // An act of dr-roux with r12 ended; its report is written and signed in the cloud.
    const sid = randomUUID();
    const at = new Date().toISOString();
    await c.cloud.store.upsertTeleconsultation({
      sessionId: sid,
      gatewayId: 'cart-1',
      patientId: 'r12',
      patientIns: null,
      requestedSpecialistId: null,
      specialistId: 'dr-roux',
      specialistName: 'Dr Anne Roux',
      reason: 'plaie du talon',
      consent: { by: 'patient', method: 'oral', representative: null, collectedAt: at, collectedBy: null },
      status: 'completed',
      outcome: 'hangup-specialist',
      createdAt: at,
      joinedAt: at,
      connectedAt: at,
      endedAt: at,
      durationMs: 0,
      updatedAt: at,
    });
    const report = (path: string, body?: unknown) =>
      fetch(`${c.cloud.httpUrl}/api/teleconsultations/${sid}/report${path}`, {
        method: 'POST',
        headers: { cookie: roux, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const content = {
      reason: 'plaie du talon',
      history: 'diabète',
      examination: 'plaie propre',
      conclusion: 'cicatrisation en cours',
      prescription: '',
      recommendations: 'pansement tous les deux jours',
    };
    expect((await report('', { content })).status).toBe(201);
    expect((await report('/1/sign')).status).toBe(200);

    await page.selectOption('#patient', 'r12');
    const doc = page.locator('#docs-list li[data-doc]');
    await expect
      .poll(() => doc.textContent(), { timeout: 30_000 })
      .toMatch(/Compte-rendu de téléconsultation \(v1\) — signé par Dr Anne Roux/);
    const href = await doc.locator('a.doc-open').getAttribute('href');
    expect(href).toMatch(/^\/api\/documents\/[0-9a-f-]{36}\/pdf$/);
    const [tab] = await Promise.all([page.context().waitForEvent('page'), doc.locator('a.doc-open').click()]);
    expect(new URL(tab.url()).pathname).toBe(href);
    // The bytes the open button gives, read through the page's own origin (the gateway).
    const head = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { type: r.headers.get('content-type'), magic: new TextDecoder('latin1').decode((await r.arrayBuffer()).slice(0, 5)) };
    }, href ?? '');
    expect(head).toEqual({ type: 'application/pdf', magic: '%PDF-' });

    // English, then a restart of the gateway with the cloud stopped: the day is still there.
    await page.click('#lang');
    await expect.poll(() => page.locator('#acts-heading').textContent()).toBe('Today’s acts');
    await expect.poll(() => act.textContent()).toMatch(/Dr Anne Roux — scheduled/);
    // The pages' live streams would hold the gateway's HTTP server open.
    await tab.close();
    await page.close();
    await gw?.stop();
    await c.stop();
    gw = await startGateway({ config: gatewayConfig(), dataDir: dir.path, cloudUrl: c.cloud.mqttUrl });
    const again = await browser.newPage({ locale: 'fr-FR' });
    await again.goto(`${gw.httpUrl}/`);
    await expect
      .poll(() => again.locator('#acts-list li[data-status="scheduled"]').textContent(), { timeout: 10_000 })
      .toMatch(/Jeanne Martin \(12\) — Dr Anne Roux — à venir/);
    expect(errors).toEqual([]);
  }, 90_000);
});
