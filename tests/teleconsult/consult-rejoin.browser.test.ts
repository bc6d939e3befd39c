/**
 * A specialist reloading the consultation page in the middle of an act, with real parts only:
 * the cloud (embedded broker, relay, SQLite), the gateway in process (TeleconsultAgent, werift,
 * gst-launch), the simulated ONVIF camera (RTSP H.264 and PTZ), the ECG board simulator on a socat
 * pty, Chromium on /consult and the nurse's page on the gateway.
 *
 * Checked: after page.reload() the act is « en cours — interrompue » for the specialist and the
 * nurse, the reloaded page offers « Reprendre », the rejoin negotiates a fresh peer (the old
 * gst-launch children gone, new ones running), frames are decoded and ECG chunks drawn again, the
 * camera moves from the keyboard; the hang-up completes the act and the audit trail reads
 * call → join → connected → disconnected → rejoin → reconnected → end; no gst-launch child is left.
 * A second cart, on a cloud with a one-second grace period: the page closed and never back, the act
 * ends as `specialist-lost` and the gateway stops its media.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in a network namespace with only
 * `lo` (root needed; skipped otherwise, with the reason).
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cloud } from '@telecart/cloud';
import type { SimCamera } from '@telecart/firmware-sim';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { createNamespaces, expectInnerRun, IN_NETNS_ENV, innerVitest, namespacedChromiumSkip, runIn } from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { type ConsultChain, specialistCloud, startConsultChain } from './chain.js';
import { ecgState, grows, gstChildren, mediaStats } from './page-media.js';
import { PATIENT_CONSENT } from './support.js';

const FILE = 'tests/teleconsult/consult-rejoin.browser.test.ts';
const inside = process.env[IN_NETNS_ENV] !== undefined;
const skipReason = await namespacedChromiumSkip('consult-rejoin');

const SPECIALIST = { id: 'dr-rejoin', name: 'Dr Jeanne Cardio', password: 'rejoin-cardio-2026!' };
const PATIENT = { id: 'ehpad-r14', family: 'MARTIN', given: 'Jeanne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };

describe.skipIf(skipReason !== null || inside)('specialist rejoin (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const ns = await createNamespaces(`tcr${process.pid % 100_000}`);
    try {
      const r = await runIn(ns.main, innerVitest(FILE), { [IN_NETNS_ENV]: ns.main });
      // The inner run must have run, not skipped.
      expectInnerRun(r, { passed: 6 });
    } finally {
      await ns.destroy();
    }
  }, 150_000);
});

/** Opens /consult, grants the fake microphone (Chromium gathers lo only for such a page), logs in if asked. */
async function openConsult(page: Page, cloud: Cloud): Promise<void> {
  await page.goto(`${cloud.httpUrl}/consult?lang=fr`);
  await grantMicrophone(page);
  await expect.poll(() => page.evaluate(() => document.body.dataset.view)).not.toBe('loading');
  if ((await page.evaluate(() => document.body.dataset.view)) === 'login') {
    await page.fill('#login-id', SPECIALIST.id);
    await page.fill('#login-password', SPECIALIST.password);
    await page.click('#login-form button[type=submit]');
  }
  await expect.poll(() => page.evaluate(() => document.body.dataset.view)).toBe('room');
}

async function grantMicrophone(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of s.getTracks()) t.stop();
  });
}

async function call(gw: Gateway): Promise<string> {
  const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'Dyspnée', consent: PATIENT_CONSENT }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { sessionId: string }).sessionId;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(skipReason !== null || !inside)('the rejoin, inside the namespace', () => {
  let chain: ConsultChain;
  let cloud: Cloud;
  let gw: Gateway;
  let camera: SimCamera;
  let page: Page;
  let nurse: Page;
  let problems: string[];
  let sessionId = '';
  let firstPids: number[] = [];
  let secondPids: number[] = [];

  beforeAll(async () => {
    // A grace long enough for a reload on a busy machine; the expiry has its own cloud below.
    chain = await startConsultChain({
      dirPrefix: 'telecart-consult-rejoin-',
      gatewayId: 'cart-rejoin',
      specialist: SPECIALIST,
      patient: PATIENT,
      stethoscope: false,
      serialSeed: 9,
      rejoinGraceSeconds: 60,
    });
    ({ cloud, gw, camera, page, problems } = chain);
    nurse = await chain.browser.newPage({ locale: 'fr-FR' });
  }, 60_000);
  // Chromium, the gateway with its media pipelines, the cloud and the simulators: seconds each on a busy host.
  afterAll(() => chain?.stop(), 90_000);

  it('the specialist joins: video frames and ECG chunks arrive', async () => {
    await openConsult(page, cloud);
    await nurse.goto(gw.httpUrl);
    sessionId = await call(gw);
    await page.locator(`tr[data-session="${sessionId}"] button.join`).click();
    await expect.poll(() => page.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    await grows(page, 'framesDecoded', 'video frames decoded');
    await waitFor(async () => (await ecgState(page)).chunks >= 5, { timeoutMs: 10_000, what: 'ECG chunks drawn' });
    await waitFor(() => gw.teleconsult.mediaPids().length === 2, { what: 'the video and audio pipelines' });
    firstPids = gw.teleconsult.mediaPids();
  });

  it('reloading the page: the act waits, interrupted, for the specialist and the nurse; the page offers to rejoin', async () => {
    await page.reload();
    await grantMicrophone(page);
    await expect.poll(() => page.evaluate(() => document.body.dataset.view)).toBe('room'); // the login cookie survived
    const row = page.locator(`tr[data-session="${sessionId}"]`);
    await expect.poll(() => row.getAttribute('data-link')).toBe('reconnecting');
    expect(await row.getAttribute('data-status')).toBe('in-progress');
    expect(await row.locator('td.status').textContent()).toContain('interrompue, reconnexion du spécialiste');
    await expect.poll(() => row.locator('button.rejoin').textContent()).toBe('Reprendre la téléconsultation');

    await waitFor(() => gw.teleconsult.status().session?.specialistLink === 'reconnecting', { what: 'the gateway told' });
    const tc = nurse.locator('#tc-status');
    await expect.poll(() => tc.getAttribute('data-status'), { timeout: 10_000 }).toBe('reconnecting');
    expect(await tc.textContent()).toContain('reconnexion du spécialiste');
  });

  it('rejoining negotiates a fresh peer: the old pipelines are gone, frames and ECG chunks arrive again', async () => {
    await page.locator(`tr[data-session="${sessionId}"] button.rejoin`).click();
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('in-progress');
    await expect.poll(() => page.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    await waitFor(() => gw.teleconsult.status().peer?.state === 'connected', { what: 'the gateway’s new peer connected' });
    expect(gw.teleconsult.status().session?.specialistLink).toBe('present');
    expect(gw.teleconsult.status().counters).toMatchObject({ sessionsStarted: 2, sessionsClosed: 1 });
    for (const pid of firstPids) expect(alive(pid), `old gst-launch ${pid}`).toBe(false);
    await waitFor(() => gw.teleconsult.mediaPids().length === 2, { what: 'the new pipelines' });
    secondPids = gw.teleconsult.mediaPids();
    expect(secondPids.some((p) => firstPids.includes(p))).toBe(false);

    // The reloaded document made exactly one peer connection with the gateway (the nurse page's
    // conversation is another, which sends the page's own microphone): the stats below are the new peer's.
    expect(
      await page.evaluate(
        () =>
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.getSenders().every((s) => s.track === null)).length,
      ),
    ).toBe(1);
    expect((await mediaStats(page)).state).toBe('connected');
    await grows(page, 'framesDecoded', 'video frames decoded after the rejoin');
    await waitFor(async () => (await ecgState(page)).chunks >= 5, { timeoutMs: 10_000, what: 'ECG chunks drawn after the rejoin' });
    const e = await ecgState(page);
    expect(e.last - e.first + 1).toBe(e.chunks);
    await expect.poll(() => nurse.locator('#tc-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('in-progress');
  });

  it('PTZ works on the new peer: a held arrow key pans, its release stops', async () => {
    await page.locator('#video').click();
    const pan0 = camera.ptz.position().pan;
    const stops0 = camera.calls.get('Stop') ?? 0;
    await page.keyboard.down('ArrowRight');
    await waitFor(() => camera.ptz.position().pan > pan0 + 0.1, { timeoutMs: 5_000, what: 'the camera panning right' });
    await page.keyboard.up('ArrowRight');
    await waitFor(() => (camera.calls.get('Stop') ?? 0) > stops0 && camera.ptz.moveStatus().panTilt === 'IDLE', {
      timeoutMs: 5_000,
      what: 'Stop on release',
    });
  });

  it('hang-up: completed, media freed, the audit trail tells the interruption and the rejoin', async () => {
    await page.click('#hangup');
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('completed');
    await waitFor(() => gw.teleconsult.status().session?.status === 'completed' && gw.teleconsult.status().peer === null, {
      what: 'the gateway closed the session',
    });
    for (const pid of secondPids) await waitFor(() => !alive(pid), { timeoutMs: 5_000, what: `gst-launch ${pid} gone` });
    await cloud.teleconsult.relay.flush();
    const rec = await cloud.store.getTeleconsultation(sessionId);
    expect(rec).toMatchObject({ status: 'completed', outcome: 'hangup-specialist', specialistId: SPECIALIST.id });
    const events = await cloud.store.listAudit({ sessionId });
    expect(events.map((ev) => `${ev.actor}:${ev.action}`)).toEqual([
      'cart-rejoin:call',
      'cart-rejoin:consent',
      `${SPECIALIST.id}:join`,
      'cart-rejoin:connected',
      `${SPECIALIST.id}:disconnected`,
      `${SPECIALIST.id}:rejoin`,
      'cart-rejoin:reconnected',
      `${SPECIALIST.id}:end`,
    ]);
    expect(problems).toEqual([]);
    await chain.stop();
    await waitFor(() => gstChildren().length === 0, { timeoutMs: 5_000, what: 'no gst-launch child left' });
  });

  it('no rejoin within the grace period: the act ends as specialist-lost and the gateway stops its media', async () => {
    const lostDir = await mkdtemp(join(tmpdir(), 'telecart-consult-lost-'));
    const logger = chain.logger;
    const lostCloud = await specialistCloud({
      specialist: SPECIALIST,
      patient: PATIENT,
      gatewayId: 'cart-lost',
      rejoinGraceSeconds: 1,
      dataDir: join(lostDir, 'cloud'),
      logger,
    });
    const lostGw = await startGateway({
      config: resolveGatewayConfig({
        gatewayId: 'cart-lost',
        mode: 'cart',
        // Not a nurse sign-in test: changes on the cart go through without a nurse.
        nurseSignIn: { required: false },
        patients: [PATIENT],
        http: { port: 0 },
        media: {
          video: { source: 'test', width: 320, height: 240, fps: 10 },
          audio: { source: 'test' },
          ice: { hostAddresses: ['127.0.0.1'] },
        },
      }),
      dataDir: join(lostDir, 'gateway'),
      cloudUrl: lostCloud.mqttUrl,
      logger,
    });
    const lostBrowser = await launchChromium({ webrtc: true });
    try {
      lostGw.patients.select(PATIENT.id);
      await waitFor(() => lostGw.sync.connected, { what: 'the second gateway connected' });
      const p = await lostBrowser.newPage({ locale: 'fr-FR' });
      await openConsult(p, lostCloud);
      const sid = await call(lostGw);
      await p.locator(`tr[data-session="${sid}"] button.join`).click();
      await expect.poll(() => p.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
      await waitFor(() => lostGw.teleconsult.mediaPids().length === 2, { what: 'the pipelines' });
      const pids = lostGw.teleconsult.mediaPids();

      await p.close(); // and never back
      await waitFor(() => lostGw.teleconsult.status().session?.status === 'completed', { what: 'the act ended on the cart' });
      await waitFor(() => lostGw.teleconsult.status().peer === null, { what: 'the cart’s media stopped' });
      for (const pid of pids) await waitFor(() => !alive(pid), { timeoutMs: 5_000, what: `gst-launch ${pid} gone` });
      await lostCloud.teleconsult.relay.flush();
      expect(await lostCloud.store.getTeleconsultation(sid)).toMatchObject({ status: 'completed', outcome: 'specialist-lost' });
      const actions = (await lostCloud.store.listAudit({ sessionId: sid })).map((ev) => ev.action);
      expect(actions).toEqual(['call', 'consent', 'join', 'connected', 'disconnected', 'end']);
    } finally {
      await lostBrowser.close();
      await lostGw.stop();
      await lostCloud.stop();
      rmSync(lostDir, { recursive: true, force: true });
    }
    await waitFor(() => gstChildren().length === 0, { timeoutMs: 5_000, what: 'no gst-launch child left' });
  }, 60_000);
});
