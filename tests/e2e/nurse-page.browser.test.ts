/**
 * The nurse page of the gateway in a real headless Chromium: a reading taken with no patient
 * selected shows as held, the nurse picks the patient and assigns it, the cuff pressure shows live
 * while inflating, and the page switches language; the call button waits for the consent, and the
 * call carries it to the cloud (read on the broker's rtc/up topic). The gateway runs in process on
 * free ports with a real MQTT broker and an acking cloud.
 */
import { EventEmitter } from 'node:events';
import type { DeviceFrame } from '@telecart/devices';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { compile, RtcUp, topics } from '@telecart/protocol';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckingCloud, startBroker, type TestBroker } from '../../gateway/src/testing/acking-cloud.mjs';
import { type TempDir, tempDir } from '../../gateway/src/testing/fixtures.js';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { otherLanguageMessages } from '../support/language-mix.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
/** 0x2A35: 120/80 mmHg, MAP 93, stamped 2024-05-01 08:15:30, pulse 64/min. */
const BP = hex('06 78 00 50 00 5D 00 E8 07 05 01 08 0F 1E 40 00');
/** 0x2A36: cuff at 140 mmHg while inflating. */
const CUFF = hex('00 8C 00 FF 07 FF 07');

function frame(bytes: Uint8Array, characteristic: string): DeviceFrame {
  return { deviceId: 'ble:A0:B1:C2:D3:E4:F5', transport: 'ble', name: 'UA-651BLE', characteristic, bytes, receivedAt: Date.now() };
}

describe.skipIf(!hasChromium)('nurse page in Chromium', () => {
  let dir: TempDir;
  let broker: TestBroker;
  let cloud: AckingCloud;
  let gw: Gateway;
  let browser: Browser;
  const frames = new EventEmitter();

  beforeAll(async () => {
    dir = tempDir('telecart-nurse-');
    broker = await startBroker();
    cloud = await AckingCloud.start(broker.url);
    const config = resolveGatewayConfig({
      gatewayId: 'cart-ui',
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      timeZone: 'Europe/Paris',
      patients: [
        { id: 'p-001', family: 'Martin', given: 'Jeanne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10', room: '12' },
        { id: 'p-002', family: 'Durand', given: 'Paul', room: '14' },
      ],
      http: { host: '127.0.0.1', port: 0 },
      sync: { reconnectPeriodMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 1500 },
      store: { maxBytes: 1_048_576, waveformStopRatio: 0.1 },
    });
    gw = await startGateway({ config, dataDir: dir.path, cloudUrl: broker.url, frames: frames as never });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await cloud?.stop();
    await broker?.stop();
    dir?.remove();
  });

  it('shows a held reading, lets the nurse pick the patient and assign it, shows cuff pressure live, in French then English', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${gw.httpUrl}/`);
    await expect.poll(() => page.locator('#who').textContent(), { timeout: 10_000 }).toMatch(/Aucun patient sélectionné/);
    await expect.poll(() => page.evaluate(() => document.querySelectorAll('#patient option').length)).toBe(3);
    // Frames only after the page's live stream is open, or the live cuff pressure would be missed.
    await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');

    frames.emit('frame', frame(CUFF, '2A36'));
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 10_000 }).toMatch(/Pression du brassard 140 mmHg/);

    frames.emit('frame', frame(BP, '2A35'));
    const held = page.locator('#readings li', { hasText: 'en attente de patient' });
    await expect.poll(() => held.count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('#readings li', { hasText: 'Tension artérielle 120/80 mmHg (PAM 93)' }).count()).toBe(1);
    expect(await page.locator('button.assign').first().isDisabled()).toBe(true);
    expect(gw.store.stats()).toMatchObject({ held: 2, pending: 0 });
    expect(cloud.stored.size).toBe(0);

    await page.selectOption('#patient', 'p-001');
    await expect.poll(() => page.locator('#who').textContent()).toBe('Patient : Jeanne Martin (12)');
    expect(gw.patients.current()?.id).toBe('p-001');

    await page.locator('#readings li', { hasText: 'Tension artérielle' }).locator('button.assign').click();
    await expect.poll(() => [...cloud.stored.values()].map((o) => o.code.loinc), { timeout: 10_000 }).toEqual(['85354-9']);
    const stored = [...cloud.stored.values()][0];
    expect(stored?.patient).toMatchObject({ id: 'p-001', ins: '238016912304522' });
    expect(stored?.components?.map((c) => c.value.value)).toEqual([120, 80, 93]);
    expect(await held.count()).toBe(1);
    expect(gw.store.stats().held).toBe(1);

    await page.locator('#lang').click();
    expect(await page.locator('h1').textContent()).toBe('Telemedicine cart');
    expect(await page.locator('#who').textContent()).toBe('Patient: Jeanne Martin (12)');
    expect(await page.locator('#readings li', { hasText: 'waiting for a patient' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the call button disabled until the consent is recorded and confirmed; the call carries it to the cloud', async () => {
    const ups: unknown[] = [];
    const spy = await mqtt.connectAsync(broker.url, { clientId: 'nurse-test-spy', reconnectPeriod: 0 });
    spy.on('message', (_t, p) => ups.push(JSON.parse(p.toString('utf8'))));
    await spy.subscribeAsync(topics.rtcUp('cart-ui'), { qos: 1 });
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${gw.httpUrl}/`);
      await expect.poll(() => page.locator('#patient option').count(), { timeout: 10_000 }).toBe(3);
      await page.selectOption('#patient', 'p-002');
      await expect.poll(() => page.locator('#who').textContent()).toBe('Patient : Paul Durand (14)');
      const callButton = page.locator('#tc-call');
      // Patient selected, no consent yet.
      expect(await callButton.isDisabled()).toBe(true);
      expect(await callButton.getAttribute('title')).toBe('Recueillez d’abord le consentement');
      expect(await page.locator('#tc-rep').isHidden()).toBe(true);
      // A representative: the button waits for the confirmation, their name and their relation.
      await page.check('#tc-by-rep');
      expect(await page.locator('#tc-rep').isVisible()).toBe(true);
      await page.check('#tc-confirm');
      expect(await callButton.isDisabled()).toBe(true);
      await page.fill('#tc-rep-name', 'Mme Claire Durand');
      expect(await callButton.isDisabled()).toBe(true);
      await page.fill('#tc-rep-relation', '   ');
      expect(await callButton.isDisabled()).toBe(true);
      await page.fill('#tc-rep-relation', 'fille, personne de confiance');
      expect(await callButton.isDisabled()).toBe(false);
      await page.uncheck('#tc-confirm');
      expect(await callButton.isDisabled()).toBe(true);
      await page.check('#tc-confirm');
      await page.selectOption('#tc-method', 'written');
      expect(ups).toEqual([]);

      const before = Date.now();
      await callButton.click();
      await expect.poll(() => page.locator('#tc-status').textContent(), { timeout: 10_000 }).toBe('Patient en salle d’attente');
      await expect.poll(() => ups.length, { timeout: 10_000 }).toBe(1);
      const up = ups[0];
      expect(compile(RtcUp).validate(up).ok).toBe(true);
      expect(up).toMatchObject({
        type: 'call',
        patient: { id: 'p-002' },
        consent: {
          by: 'representative',
          method: 'written',
          representative: { name: 'Mme Claire Durand', relation: 'fille, personne de confiance' },
        },
      });
      const collectedAt = Date.parse((up as { consent: { collectedAt: string } }).consent.collectedAt);
      expect(collectedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(collectedAt).toBeLessThanOrEqual(Date.now() + 1000);
      // Consent is per act: the form is cleared for the next call.
      expect(await page.locator('#tc-confirm').isChecked()).toBe(false);
      expect(await page.locator('#tc-by-patient').isChecked()).toBe(true);

      // The cloud refuses a call it finds without consent (an older gateway's): the nurse sees why.
      const sessionId = (up as { sessionId: string }).sessionId;
      await spy.publishAsync(topics.rtcDown('cart-ui'), JSON.stringify({ v: 1, type: 'hangup', sessionId, reason: 'no-consent' }), {
        qos: 1,
      });
      await expect
        .poll(() => page.locator('#tc-status').textContent(), { timeout: 10_000 })
        .toBe('Appel refusé : consentement non transmis');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await spy.endAsync();
    }
  });

  it("takes the nurse's choice of resident while the readings are still loading", async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The readings answer only once the nurse has chosen: the choice must not fall into the gap.
    let release: () => void = () => {};
    const chosen = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/readings?*', async (route) => {
      await chosen;
      await route.continue();
    });
    try {
      await page.goto(`${gw.httpUrl}/`);
      await expect.poll(() => page.locator('#patient option').count(), { timeout: 10_000 }).toBe(3);
      const other = gw.patients.current()?.id === 'p-001' ? 'p-002' : 'p-001';
      await page.selectOption('#patient', other);
      await expect.poll(() => gw.patients.current()?.id, { timeout: 10_000 }).toBe(other);
      release();
      await expect
        .poll(() => page.locator('#who').textContent())
        .toBe(other === 'p-001' ? 'Patient : Jeanne Martin (12)' : 'Patient : Paul Durand (14)');
      expect(errors).toEqual([]);
    } finally {
      release();
      await page.close();
    }
  });

  it("names the act's patient during the call, whoever the nurse selects meanwhile; a call for another patient is refused", async () => {
    const ups: { type: string; sessionId: string }[] = [];
    const spy = await mqtt.connectAsync(broker.url, { clientId: 'nurse-test-act', reconnectPeriod: 0 });
    spy.on('message', (_t, p) => ups.push(JSON.parse(p.toString('utf8'))));
    await spy.subscribeAsync(topics.rtcUp('cart-ui'), { qos: 1 });
    const down = (m: object) => spy.publishAsync(topics.rtcDown('cart-ui'), JSON.stringify({ v: 1, ...m }), { qos: 1 });
    const page = await browser.newPage({ locale: 'fr-FR' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const actPatient = page.locator('#tc-patient');
    try {
      await page.goto(`${gw.httpUrl}/`);
      await expect.poll(() => page.locator('#patient option').count(), { timeout: 10_000 }).toBe(3);
      await page.selectOption('#patient', 'p-001');
      await expect.poll(() => page.locator('#who').textContent()).toBe('Patient : Jeanne Martin (12)');
      await page.check('#tc-confirm');
      await page.locator('#tc-call').click();
      await expect.poll(() => ups.filter((u) => u.type === 'call').length, { timeout: 10_000 }).toBe(1);
      const sessionId = ups[0]?.sessionId ?? '';
      await down({ type: 'session', sessionId, status: 'in-progress', specialist: { id: 'dr-leroy', name: 'Dr Alice Leroy' } });
      await expect
        .poll(() => page.locator('#tc-status').textContent(), { timeout: 10_000 })
        .toBe('Téléconsultation en cours — avec Dr Alice Leroy');
      expect(await actPatient.textContent()).toBe('Patient de l’appel : Jeanne Martin (12)');

      // The nurse moves on to the next resident during the call.
      await page.selectOption('#patient', 'p-002');
      await expect.poll(() => page.locator('#who').textContent()).toBe('Patient : Paul Durand (14)');
      expect(gw.patients.current()?.id).toBe('p-002');
      expect(await actPatient.textContent()).toBe(
        'Patient de l’appel : Jeanne Martin (12) (les nouvelles mesures vont au patient sélectionné)',
      );
      // The cloud describes the act again (the specialist's link flickers): still Jeanne Martin's.
      await down({
        type: 'session',
        sessionId,
        status: 'in-progress',
        specialist: { id: 'dr-leroy', name: 'Dr Alice Leroy' },
        specialistLink: 'reconnecting',
      });
      await expect
        .poll(() => page.locator('#tc-status').textContent(), { timeout: 10_000 })
        .toBe('Téléconsultation interrompue : reconnexion du spécialiste… — avec Dr Alice Leroy');
      expect(await actPatient.getAttribute('data-patient-id')).toBe('p-001');
      expect(gw.teleconsult.status().session).toMatchObject({ sessionId, patientId: 'p-001' });

      // A second call (for the selected Paul Durand) cannot take over the act's screen.
      const second = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consent: { by: 'patient', method: 'oral' } }),
      });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { message: string }).message).toMatch(/already under way.*patient p-001/);
      expect(ups.filter((u) => u.type === 'call')).toHaveLength(1);
      expect(gw.teleconsult.status().session).toMatchObject({ sessionId, patientId: 'p-001' });
      await page.reload();
      await expect.poll(() => actPatient.getAttribute('data-patient-id'), { timeout: 10_000 }).toBe('p-001');
      expect(await page.locator('#tc-call').isDisabled()).toBe(true);

      await down({ type: 'session', sessionId, status: 'completed' });
      await expect.poll(() => gw.teleconsult.status().session?.status, { timeout: 10_000 }).toBe('completed');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await spy.endAsync();
    }
  });

  it('marks a reading the device said is not valid (heart rate without skin contact), in both languages', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    try {
      await page.goto(`${gw.httpUrl}/`);
      await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');
      gw.patients.select('p-001');
      // 0x2A37: uint8 rate, sensor contact supported but not detected (flags bits 1–2 = 2), 77 /min.
      frames.emit('frame', { ...frame(hex('04 4D'), '2A37'), deviceId: 'ble:C0:FF:EE:00:00:07', name: 'Polar H10 1A2B3C4D' });
      const item = page.locator('#readings li', { hasText: '77 /min' });
      await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(1);
      expect(await item.getAttribute('class')).toBe('invalid');
      expect(await item.locator('.invalid-note').textContent()).toBe('non valide selon l’appareil : exclue des tendances et des alertes');
      await page.locator('#lang').click();
      expect(await page.locator('#readings li.invalid .invalid-note').first().textContent()).toBe(
        'not valid, as the device said: left out of trends and alerts',
      );
    } finally {
      await page.close();
    }
  });

  it('shows one language at a time, in French and in English, under a CSP without inline script, with no violation', async () => {
    const res = await fetch(`${gw.httpUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').find((d) => d.trim().startsWith(`${name} `)) ?? '';
    expect(directive('script-src').trim()).toBe("script-src 'self'");
    expect(directive('style-src')).toMatch(/^ style-src 'sha256-[A-Za-z0-9+/]+=*'$/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    // The bundle is revalidated, not fetched again, when unchanged (a reload on the cart's Wi-Fi).
    const script = await fetch(`${gw.httpUrl}/app.js`);
    const etag = script.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await script.text()).length).toBeGreaterThan(0);
    const again = await fetch(`${gw.httpUrl}/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    // A held reading on screen: its "waiting for a patient" and assign button are words too. The
    // selection is given back afterwards (the next tests' readings must reach the cloud).
    const selected = gw.patients.current();
    gw.patients.clear();
    frames.emit('frame', { ...frame(hexWeight(14_400), '2A9D'), deviceId: 'ble:C0:FF:EE:00:00:03' });
    await expect.poll(() => gw.store.stats().held, { timeout: 10_000 }).toBeGreaterThan(0);
    for (const [locale, lang, other] of [
      ['fr-FR', 'fr', 'en'],
      ['en-GB', 'en', 'fr'],
    ] as const) {
      const page = await browser.newPage({ locale });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          (document.documentElement.dataset as Record<string, string>).cspViolation = `${e.violatedDirective} ${e.blockedURI}`;
        });
      });
      try {
        await page.goto(`${gw.httpUrl}/`);
        await expect.poll(() => page.evaluate(() => document.body.dataset.events), { timeout: 10_000 }).toBe('open');
        await expect.poll(() => page.locator('#patient option').count()).toBe(3);
        await expect.poll(() => page.locator('#readings li .held').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        // What the nurse reads: the text, the title, the placeholders and the tooltips.
        const visible = () =>
          page.evaluate(() =>
            [
              document.title,
              // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not the hidden elements' text
              document.body.innerText,
              ...[...document.querySelectorAll<HTMLInputElement>('[placeholder]')].map((e) => e.placeholder),
              ...[...document.querySelectorAll<HTMLElement>('[title]')].map((e) => e.title),
            ].join('\n'),
          );
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
        expect(otherLanguageMessages(await visible(), lang), locale).toEqual([]);
        // The switch gives the other language whole.
        await page.locator('#lang').click();
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(other);
        expect(otherLanguageMessages(await visible(), other), `${locale} switched`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.dataset.cspViolation ?? null), locale).toBeNull();
        expect(problems, locale).toEqual([]);
      } finally {
        await page.close();
      }
    }
    if (selected) gw.patients.select(selected.id);
  });

  it('warns the nurse when the cart storage is nearly full, and clears the warning once synced', async () => {
    const page = await browser.newPage({ locale: 'fr-FR' });
    await page.goto(`${gw.httpUrl}/`);
    await expect.poll(() => page.locator('#patient option').count(), { timeout: 10_000 }).toBe(3);
    expect(await page.locator('#store').isHidden()).toBe(true);
    // The cloud stops acking (out of reach): readings pile up on the cart past the soft cap.
    cloud.acking = false;
    for (let i = 0; gw.store.capacity().level === 'ok'; i++) {
      frames.emit('frame', { ...frame(hexWeight(6000 + i), '2A9D'), deviceId: 'ble:C0:FF:EE:00:00:02' });
    }
    await page.reload();
    await expect.poll(() => page.locator('#store').textContent(), { timeout: 10_000 }).toMatch(/presque pleine.*ne sont plus enregistrés/);
    cloud.acking = true;
    await expect.poll(() => gw.store.capacity().level, { timeout: 20_000 }).toBe('ok');
    await page.reload();
    await expect.poll(() => page.locator('#store').isHidden(), { timeout: 10_000 }).toBe(true);
    await page.close();
  });

  it('tells the nurse when the cloud refuses a reading, with its reason (kept on the cart, not resent)', async () => {
    const reason = 'patient-not-served: patient "p-002" is not assigned to gateway cart-ui in the cloud\'s configuration';
    cloud.reject = (o) => (o.patient.id === 'p-002' ? reason : undefined);
    const page = await browser.newPage({ locale: 'fr-FR' });
    try {
      await page.goto(`${gw.httpUrl}/`);
      expect(await page.locator('#refused-readings').isHidden()).toBe(true);
      gw.patients.select('p-002');
      frames.emit('frame', { ...frame(hexWeight(14_000), '2A9D'), deviceId: 'ble:C0:FF:EE:00:00:02' });
      await expect.poll(() => gw.store.stats().rejected, { timeout: 10_000 }).toBe(1);
      await page.reload();
      const banner = page.locator('#refused-readings');
      await expect
        .poll(() => banner.textContent(), { timeout: 10_000 })
        .toBe(
          `1 mesure refusée par le serveur (conservée sur le chariot, non renvoyée) ; prévenez l’administrateur. Dernier motif : ${reason}`,
        );
      await page.locator('#lang').click();
      expect(await banner.textContent()).toMatch(/^1 reading refused by the server .*Latest reason: patient-not-served/);
    } finally {
      cloud.reject = () => undefined;
      await page.close();
    }
  });
});

/** 0x2A9D, SI, no time stamp: `units` × 0.005 kg. */
function hexWeight(units: number): Uint8Array {
  return Uint8Array.from([0x00, units & 0xff, (units >> 8) & 0xff]);
}
