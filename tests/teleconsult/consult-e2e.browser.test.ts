/**
 * The whole teleconsultation chain with real parts only, as a nurse and a specialist live it:
 *
 *   nurse ─POST /api/teleconsult/call─▶ gateway (in process: TeleconsultAgent on the sync client's
 *   MQTT connection) ─▶ cloud (embedded aedes, relay, SQLite) ─▶ specialist page in Chromium
 *   simulated ONVIF camera (RTSP H.264, gst-launch) ─▶ gateway (gst-launch, werift) ═WebRTC═▶ page
 *   virtual stethoscope ─▶ private PulseAudio ─▶ pulsesrc ─▶ Opus ─▶ page
 *   ECG board simulator ─socat pty─▶ serialport ─▶ LiveSampleBus ─▶ 'ecg' channel ─▶ page canvas
 *   page keyboard / joystick / presets ─'ptz' channel─▶ gateway ─ONVIF SOAP─▶ simulated camera
 *
 * Checked: waiting room (« en salle d'attente »), join → in progress, frames decoded, audio
 * samples received, ECG chunks drawn in seq order with no gap, a held key / a held joystick moves
 * the camera and its release sends Stop, presets saved, recalled and removed, hang-up → completed,
 * the audit trail (who, when, cart, patient) and the act's duration, and no GStreamer child left.
 *
 * A second run checks the demo's WebRTC default (`telecart demo` offers the machine's non-loopback
 * addresses): a Chromium with its default candidate policy — no loopback flag, no microphone grant,
 * so its own addresses hidden behind mDNS names — reaches the cart and decodes its video.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in network namespaces it makes —
 * one with only `lo`, one with `lo` and a veth pair carrying a default route, like a desktop (root
 * needed; skipped otherwise, with the reason).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Cloud } from '@telecart/cloud';
import type { SimCamera } from '@telecart/firmware-sim';
import { type Gateway, resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIceAddresses } from '../../cli/src/commands/demo.js';
import { CHROMIUM_FLAGS } from '../support/chromium.js';
import { createNamespaces, expectInnerRun, IN_NETNS_ENV, innerVitest, namespacedChromiumSkip, runIn } from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { type ConsultChain, specialistCloud, startConsultChain } from './chain.js';
import { CAPTURE_PEER, ecgState, grows, gstChildren, mediaStats } from './page-media.js';
import { PATIENT_CONSENT } from './support.js';

const FILE = 'tests/teleconsult/consult-e2e.browser.test.ts';
/** Which inner run this is: the whole chain (only lo) or the demo's ICE default (a desktop-like namespace). */
const MODE_ENV = 'TELECART_E2E_MODE';
const inside = process.env[IN_NETNS_ENV] !== undefined;
const mode = process.env[MODE_ENV] === 'desktop' ? 'desktop' : 'chain';
const ip = promisify(execFile);
const skipReason = await namespacedChromiumSkip('consult-e2e');

const SPECIALIST = { id: 'dr-e2e', name: 'Dr Jeanne Cardio', password: 'e2e-cardio-2026!' };
const PATIENT = { id: 'ehpad-r12', family: 'MARTIN', given: 'Jeanne', ins: '238016912304522', insOid: '1.2.250.1.213.1.4.10' };
const GATEWAY_ID = 'cart-e2e';

describe.skipIf(skipReason !== null || inside)('teleconsultation end to end (re-run inside network namespaces)', () => {
  it('the whole chain, in a namespace with only lo', async () => {
    const ns = await createNamespaces(`tce${process.pid % 100_000}`);
    try {
      const r = await runIn(ns.main, innerVitest(FILE), {
        [IN_NETNS_ENV]: ns.main,
        [MODE_ENV]: 'chain',
      });
      // The inner run must have run the chain, not skipped it.
      expectInnerRun(r, { passed: 7 });
    } finally {
      await ns.destroy();
    }
  }, 120_000);

  it('the demo’s ICE default, with a Chromium that gathers as on a desktop', async () => {
    const ns = await createNamespaces(`tcd${process.pid % 100_000}`);
    try {
      // Both ends of the veth pair stay in the namespace; the default route makes `va` the
      // interface Chromium gathers on without any permission (its address hidden behind mDNS).
      await ip('ip', ['-n', ns.main, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
      await ip('ip', ['-n', ns.main, 'addr', 'add', '10.233.0.1/30', 'dev', 'va']);
      await ip('ip', ['-n', ns.main, 'addr', 'add', '10.233.0.2/30', 'dev', 'vb']);
      await ip('ip', ['-n', ns.main, 'link', 'set', 'va', 'up']);
      await ip('ip', ['-n', ns.main, 'link', 'set', 'vb', 'up']);
      await ip('ip', ['-n', ns.main, 'route', 'add', 'default', 'via', '10.233.0.2', 'dev', 'va']);
      const r = await runIn(ns.main, innerVitest(FILE), {
        [IN_NETNS_ENV]: ns.main,
        [MODE_ENV]: 'desktop',
      });
      expectInnerRun(r, { passed: 1 });
    } finally {
      await ns.destroy();
    }
  }, 90_000);
});

describe.skipIf(skipReason !== null || !inside || mode !== 'chain')('the teleconsultation chain, inside the namespace', () => {
  let chain: ConsultChain;
  let cloud: Cloud;
  let gw: Gateway;
  let camera: SimCamera;
  let page: Page;
  let problems: string[];
  let sessionId = '';
  let mediaPids: number[] = [];

  beforeAll(async () => {
    chain = await startConsultChain({
      dirPrefix: 'telecart-consult-e2e-',
      gatewayId: GATEWAY_ID,
      specialist: SPECIALIST,
      patient: PATIENT,
      stethoscope: true,
      serialSeed: 5,
    });
    ({ cloud, gw, camera, page, problems } = chain);
  }, 60_000);
  // Chromium, the gateway with its media pipelines, the cloud and the simulators: seconds each on a busy host.
  afterAll(() => chain?.stop(), 90_000);

  it('the nurse calls: the act waits in the specialist’s waiting room', async () => {
    await page.goto(`${cloud.httpUrl}/consult?lang=fr`);
    // Chromium gathers a non-default-route interface (here the only one, lo) only for a page allowed
    // the microphone: grant a fake one once; the page itself never asks for it.
    await page.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of s.getTracks()) t.stop();
    });
    await page.fill('#login-id', SPECIALIST.id);
    await page.fill('#login-password', SPECIALIST.password);
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.evaluate(() => document.body.dataset.view)).toBe('room');

    const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Souffle cardiaque à l’auscultation', consent: PATIENT_CONSENT }),
    });
    expect(res.status).toBe(201);
    sessionId = ((await res.json()) as { sessionId: string }).sessionId;

    const row = page.locator(`tr[data-session="${sessionId}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('waiting');
    expect(await row.locator('td.status').textContent()).toBe('en salle d’attente');
    expect(await row.locator('td').first().textContent()).toContain('MARTIN Jeanne');
    expect(await row.textContent()).toContain(GATEWAY_ID);
    // The nurse's side sees the same status (RtcDown session over the gateway's MQTT connection).
    await waitFor(() => gw.teleconsult.status().session?.status === 'waiting', { what: 'the gateway told the act waits' });
  });

  it('the specialist joins: in progress, video, stethoscope sound and the ECG trace arrive', async () => {
    await page.locator(`tr[data-session="${sessionId}"] button.join`).click();
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('in-progress');
    await expect.poll(() => page.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    await waitFor(() => gw.teleconsult.status().session?.status === 'in-progress', { what: 'the gateway told the act is in progress' });
    await waitFor(() => gw.teleconsult.status().peer?.state === 'connected', { what: 'the gateway peer connected' });

    await grows(page, 'framesDecoded', 'video frames decoded');
    await grows(page, 'audioSamples', 'stethoscope samples received');
    const s = await mediaStats(page);
    expect(s.videoCodec).toBe('video/H264');
    const peer = gw.teleconsult.status().peer;
    expect(peer?.stats.videoMode).toBe('pass-through');
    expect(peer?.stats.audio?.packets ?? 0).toBeGreaterThan(0);
    mediaPids = gw.teleconsult.mediaPids();
    expect(mediaPids).toHaveLength(2);

    // ECG from the serial board: chunks drawn in seq order, none skipped (first..last all drawn).
    await waitFor(async () => (await ecgState(page)).chunks >= 8, { timeoutMs: 10_000, what: 'ECG chunks drawn' });
    const e = await ecgState(page);
    expect(e.first).toBeGreaterThanOrEqual(0);
    expect(e.last - e.first + 1).toBe(e.chunks);
    expect(e.skipped).toBe(0);
    expect(e.dropped).toBe(0);
    expect(gw.teleconsult.status().peer?.stats.ecgChunksDropped).toBe(0);
  });

  it('a held arrow key pans the camera; releasing it stops the camera', async () => {
    await page.locator('#video').click(); // focus the page, not a field
    const pan0 = camera.ptz.position().pan;
    const stops0 = camera.calls.get('Stop') ?? 0;
    await page.keyboard.down('ArrowRight');
    await waitFor(() => camera.ptz.position().pan > pan0 + 0.1, { timeoutMs: 5_000, what: 'the camera panning right' });
    expect(camera.ptz.moveStatus().panTilt).toBe('MOVING');
    await page.keyboard.up('ArrowRight');
    await waitFor(() => (camera.calls.get('Stop') ?? 0) > stops0 && camera.ptz.moveStatus().panTilt === 'IDLE', {
      timeoutMs: 5_000,
      what: 'Stop on release',
    });
    const stoppedAt = camera.ptz.position().pan;
    expect(stoppedAt).toBeGreaterThan(pan0 + 0.1);
    // The page's status query after the stop shows where the camera is.
    await expect.poll(() => page.locator('#ptz-info').textContent()).toMatch(/^(stop|status)/);
  });

  it('the joystick held to the left pans left; release stops the camera', async () => {
    const box = await page.locator('#joystick').boundingBox();
    if (!box) throw new Error('no joystick');
    const pan0 = camera.ptz.position().pan;
    const stops0 = camera.calls.get('Stop') ?? 0;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 2, box.y + box.height / 2, { steps: 4 });
    await waitFor(() => camera.ptz.position().pan < pan0 - 0.1, { timeoutMs: 5_000, what: 'the camera panning left' });
    await page.mouse.up();
    await waitFor(() => (camera.calls.get('Stop') ?? 0) > stops0 && camera.ptz.moveStatus().panTilt === 'IDLE', {
      timeoutMs: 5_000,
      what: 'Stop on release',
    });
  });

  it('presets: saved from the page, recalled with its digit, removed', async () => {
    await page.fill('#preset-name', 'Lit');
    await page.click('#preset-save');
    await waitFor(() => camera.ptz.listPresets().some((p) => p.name === 'Lit'), { what: 'the preset on the camera' });
    const preset = camera.ptz.listPresets().find((p) => p.name === 'Lit');
    if (!preset) throw new Error('no preset');
    await expect.poll(() => page.locator('#presets li').count()).toBe(1);
    expect(await page.locator('#presets li').getAttribute('data-token')).toBe(preset.token);

    // Away from it (tilt up), then back with the key "1".
    await page.locator('#video').click();
    await page.keyboard.down('ArrowUp');
    await waitFor(() => camera.ptz.position().tilt > preset.position.tilt + 0.1, { timeoutMs: 5_000, what: 'tilting up' });
    await page.keyboard.up('ArrowUp');
    await waitFor(() => camera.ptz.moveStatus().panTilt === 'IDLE', { timeoutMs: 5_000, what: 'stopped' });
    await page.keyboard.press('1');
    await waitFor(
      () => {
        const p = camera.ptz.position();
        return (
          camera.ptz.moveStatus().panTilt === 'IDLE' &&
          Math.abs(p.pan - preset.position.pan) < 1e-6 &&
          Math.abs(p.tilt - preset.position.tilt) < 1e-6
        );
      },
      { timeoutMs: 5_000, what: 'back at the preset' },
    );

    await page.locator(`#presets li[data-token="${preset.token}"] button`).nth(1).click();
    await waitFor(() => camera.ptz.listPresets().length === 0, { what: 'the preset removed from the camera' });
    await expect.poll(() => page.locator('#presets li').count()).toBe(0);
  });

  it('hang-up: the act is completed on both sides, media freed, and the audit trail tells who, when, cart, patient', async () => {
    await page.click('#hangup');
    await expect.poll(() => page.locator('#act-status').getAttribute('data-status')).toBe('completed');
    await waitFor(() => gw.teleconsult.status().session?.status === 'completed' && gw.teleconsult.status().peer === null, {
      what: 'the gateway closed the session',
    });
    for (const pid of mediaPids) expect(() => process.kill(pid, 0)).toThrow();

    await cloud.teleconsult.relay.flush();
    const rec = await cloud.store.getTeleconsultation(sessionId);
    expect(rec).toMatchObject({
      gatewayId: GATEWAY_ID,
      patientId: PATIENT.id,
      patientIns: PATIENT.ins,
      specialistId: SPECIALIST.id,
      status: 'completed',
      outcome: 'hangup-specialist',
      reason: 'Souffle cardiaque à l’auscultation',
    });
    expect(rec?.durationMs).toBeGreaterThan(0);
    expect(Date.parse(rec?.endedAt ?? '') - Date.parse(rec?.connectedAt ?? '')).toBe(rec?.durationMs);

    // What an auditor reads, through the page's own login.
    const { status, events } = await page.evaluate(async (sid) => {
      const r = await fetch(`api/audit?session=${sid}`, { credentials: 'same-origin' });
      return { status: r.status, events: ((await r.json()) as { events: Record<string, unknown>[] }).events };
    }, sessionId);
    expect(status).toBe(200);
    const trail = events.map((e) => [e.action, e.actor, e.gatewayId, e.patientId]);
    expect(trail).toEqual([
      ['call', GATEWAY_ID, GATEWAY_ID, PATIENT.id],
      ['consent', GATEWAY_ID, GATEWAY_ID, PATIENT.id],
      ['join', SPECIALIST.id, GATEWAY_ID, PATIENT.id],
      ['connected', GATEWAY_ID, GATEWAY_ID, PATIENT.id],
      ['end', SPECIALIST.id, GATEWAY_ID, PATIENT.id],
    ]);
    const times = events.map((e) => Date.parse(String(e.at)));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(problems).toEqual([]);
  });

  it('stopping everything leaves no GStreamer process behind', async () => {
    expect(gstChildren().length).toBeGreaterThan(0); // the camera's stream is still up until now
    await chain.stop();
    await waitFor(() => gstChildren().length === 0, { timeoutMs: 5_000, what: 'no gst-launch child left' });
  });
});

describe.skipIf(skipReason !== null || !inside || mode !== 'desktop')('the demo’s ICE default, inside a desktop-like namespace', () => {
  it('a Chromium with no loopback flag and no microphone grant connects and decodes the cart’s video', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'telecart-consult-desktop-'));
    const logger = pino({ level: process.env.TELECART_TEST_LOG ?? 'silent' });
    const addresses = demoIceAddresses();
    expect(addresses).not.toContain('127.0.0.1');
    const cloud = await specialistCloud({
      specialist: SPECIALIST,
      patient: PATIENT,
      gatewayId: GATEWAY_ID,
      dataDir: join(dir, 'cloud'),
      logger,
    });
    const config = resolveGatewayConfig({
      gatewayId: GATEWAY_ID,
      mode: 'cart',
      // Not a nurse sign-in test: changes on the cart go through without a nurse.
      nurseSignIn: { required: false },
      patients: [PATIENT],
      http: { port: 0 },
      media: {
        video: { source: 'test', width: 320, height: 240, fps: 10, startBitrateKbps: 300 },
        audio: { source: 'test' },
        ice: { hostAddresses: addresses },
      },
    });
    const gw = await startGateway({ config, dataDir: join(dir, 'gateway'), cloudUrl: cloud.mqttUrl, logger });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [...CHROMIUM_FLAGS, '--autoplay-policy=no-user-gesture-required'],
    });
    try {
      gw.patients.select(PATIENT.id);
      await waitFor(() => gw.sync.connected, { what: 'the gateway connected to the cloud broker' });
      const page = await browser.newPage();
      await page.addInitScript(CAPTURE_PEER);
      await page.goto(`${cloud.httpUrl}/consult?lang=en`);
      await page.fill('#login-id', SPECIALIST.id);
      await page.fill('#login-password', SPECIALIST.password);
      await page.click('#login-form button[type=submit]');
      const res = await fetch(`${gw.httpUrl}/api/teleconsult/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ consent: PATIENT_CONSENT }),
      });
      const { sessionId } = (await res.json()) as { sessionId: string };
      await page.locator(`tr[data-session="${sessionId}"] button.join`).click();
      await expect.poll(() => page.locator('#conn-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
      await grows(page, 'framesDecoded', 'video frames decoded');
      // The cart offered only the demo's addresses, and the pair in use reaches one of them.
      const offered = await page.evaluate(() => (window as unknown as { __remote: string[] }).__remote);
      expect(offered.length).toBeGreaterThan(0);
      for (const c of offered) expect(addresses.some((a) => c.includes(` ${a} `))).toBe(true);
      const selected = await page.evaluate(async () => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
        const stats = await pcs[pcs.length - 1]?.getStats();
        const byId = new Map<string, Record<string, unknown>>();
        stats?.forEach((s: Record<string, unknown>) => {
          byId.set(String(s.id), s);
        });
        const transport = [...byId.values()].find((s) => s.type === 'transport');
        const pair = byId.get(String(transport?.selectedCandidatePairId));
        return String(byId.get(String(pair?.remoteCandidateId))?.address ?? '');
      });
      expect(addresses).toContain(selected);
    } finally {
      await browser.close();
      await gw.stop();
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
