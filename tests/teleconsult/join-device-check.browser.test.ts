/**
 * The patient's device check on the join page, in Chromium with fake camera and microphone, against a
 * real cloud (embedded broker, SQLite, fastify) and a real coturn for the relay check (the act's
 * patient credentials, issued by the cloud): every check passes, the test sound is confirmed heard;
 * with the camera permission refused (the microphone allowed), the camera's line says so and the
 * microphone still passes. The routes the check calls refuse another device and an oversized probe.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in a network namespace with only
 * `lo` (root needed; skipped otherwise, with the reason).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueJoinLink, JOIN_KEY_FILE, loadJoinKey } from '../../cloud/src/teleconsult/join-links.js';
import { CHROMIUM, CHROMIUM_FLAGS, chromiumArgs } from '../support/chromium.js';
import { type Coturn, startCoturn } from '../support/coturn.js';
import { expectInnerRun, IN_NETNS_ENV, namespacedChromiumSkip, rerunInNamespace } from '../support/netns-media.js';
import { bookHomeAppointment, type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

const FILE = 'tests/teleconsult/join-device-check.browser.test.ts';
const inside = process.env[IN_NETNS_ENV] !== undefined;
const skipReason = await namespacedChromiumSkip('join-device-check');

describe.skipIf(skipReason !== null || inside)('the device check (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const r = await rerunInNamespace(FILE, 'tdc');
    expectInnerRun(r, { passed: 3 });
  }, 180_000);
});

describe.skipIf(skipReason !== null || !inside)('the device check, inside the namespace', () => {
  let c: ConsultCloud;
  let turn: Coturn;
  let granted: Browser;
  let noCamera: Browser;
  let blanc: string;

  /** A home act booked over HTTP and its join link, as the invitation carries it. */
  async function joinLink(minutesAhead: number): Promise<string> {
    const id = await bookHomeAppointment(c.cloud.httpUrl, blanc, minutesAhead);
    const appointment = await c.cloud.store.getAppointment(id);
    if (!appointment) throw new Error('the booked appointment is not in the store');
    return issueJoinLink({
      store: c.cloud.store,
      key: loadJoinKey(join(c.dir, JOIN_KEY_FILE)),
      appointment,
      publicBaseUrl: c.cloud.httpUrl,
      now: new Date(),
    });
  }

  const line = (page: Page, check: string) =>
    page.evaluate((name) => {
      const li = document.querySelector<HTMLElement>(`#check-results [data-check="${name}"]`);
      return li ? { status: li.dataset.status, reason: li.dataset.reason, text: li.textContent } : null;
    }, check);

  beforeAll(async () => {
    turn = await startCoturn();
    c = await startConsultCloud({
      patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', gateways: ['home-7'] }],
      teleconsult: { turn: { urls: [turn.url], sharedSecretFile: turn.secretFile, ttlSeconds: 900 } },
    });
    blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
    granted = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs({ webrtc: true }) });
    // No fake permission prompt here: the context grants the microphone only, the camera is refused.
    noCamera = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_FLAGS, '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
  }, 60_000);
  afterAll(async () => {
    await granted?.close();
    await noCamera?.close();
    await c?.stop();
    await turn?.stop();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it('passes every check with working devices, the relay included, and the sound once heard', async () => {
    const page = await granted.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(await joinLink(120));
    expect(await page.textContent('#check h2')).toBe('Vérifier votre appareil');
    await page.click('#check-start');
    await expect.poll(() => line(page, 'relay'), { timeout: 30_000 }).not.toBeNull();
    for (const check of ['camera', 'microphone', 'network', 'relay'])
      expect(await line(page, check), check).toMatchObject({ status: 'ok', reason: 'ok' });
    expect(await line(page, 'camera')).toMatchObject({ text: 'Caméra : OK Tout va bien.' });
    // The preview shows the fake camera's picture.
    expect(await page.evaluate(() => document.querySelector<HTMLVideoElement>('#check-video')?.videoWidth)).toBeGreaterThan(0);

    expect(await page.evaluate(() => document.body.dataset.check)).toBe('running');
    await page.click('#check-sound');
    await page.waitForSelector('#check-heard:not([hidden])');
    await page.click('#check-heard');
    expect(await line(page, 'speaker')).toMatchObject({ status: 'ok' });
    expect(await page.evaluate(() => document.body.dataset.check)).toBe('done');
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('says the camera was refused, with the advice, when its permission is denied', async () => {
    const context = await noCamera.newContext({ permissions: ['microphone'] });
    const page = await context.newPage();
    await page.goto(await joinLink(240));
    await page.click('#check-start');
    await expect.poll(() => line(page, 'network'), { timeout: 30_000 }).not.toBeNull();
    expect(await line(page, 'camera')).toMatchObject({ status: 'problem', reason: 'denied' });
    expect((await line(page, 'camera'))?.text).toContain('L’accès a été refusé');
    expect(await line(page, 'microphone')).toMatchObject({ status: 'ok' });
    await page.click('#check-sound');
    await page.waitForSelector('#check-not-heard:not([hidden])');
    await page.click('#check-not-heard');
    expect(await line(page, 'speaker')).toMatchObject({ status: 'problem', reason: 'not-heard' });
    await context.close();
  }, 90_000);

  it('the net probe and the relay credentials answer the bound device only; an oversized probe is refused', async () => {
    const link = new URL(await joinLink(360));
    const opened = await fetch(link);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const probe = new URL(`${link.pathname}/net-probe${link.search}`, link);
    const post = (bytes: number, withCookie = true) =>
      fetch(probe, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...(withCookie ? { cookie } : {}) },
        body: new Uint8Array(bytes),
      });
    expect(await (await post(128 * 1024)).json()).toEqual({ bytes: 128 * 1024 });
    expect((await post(16, false)).status).toBe(403);
    expect((await post(300 * 1024)).status).toBe(413);
    const ice = new URL(`${link.pathname}/ice-servers${link.search}`, link);
    const creds = (await (await fetch(ice, { headers: { cookie } })).json()) as { iceServers: { username: string }[] };
    const act = link.searchParams.get('act') ?? '';
    expect(creds.iceServers[0]?.username).toMatch(new RegExp(`^\\d+:${act}\\.patient$`));
    expect((await fetch(ice)).status).toBe(403);
  });
});
