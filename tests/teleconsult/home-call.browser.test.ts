/**
 * The home act's conversation, in Chromium with fake cameras and microphones, against a real cloud
 * (embedded broker, SQLite, fastify) and a real coturn for the act's TURN credentials:
 *
 *   patient's join page ═peer to peer═ specialist's consult page
 *   signaling: join page ─/join/:token/ws─ relay ─/consult/ws─ consult page
 *
 * The patient opens the join link, passes the device check and confirms who they are (date of
 * birth), waits; the specialist clicks « Faire entrer » on their page; then both pages receive the
 * other's video frames and voice (getStats framesDecoded, totalAudioEnergy), and each page told the cloud
 * it decoded the other (the act's media up: connectedAt, two `media-received` lines); the patient's mute is
 * shown on the specialist's page and the received energy stops growing; the specialist's mute is
 * said on the patient's page. A participant not let in cannot signal: their answer is refused and
 * the specialist's page receives nothing.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in a network namespace with only
 * `lo` (root needed; skipped otherwise, with the reason).
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumArgs } from '../support/chromium.js';
import { type Coturn, startCoturn } from '../support/coturn.js';
import { expectInnerRun, IN_NETNS_ENV, namespacedChromiumSkip, rerunInNamespace } from '../support/netns-media.js';
import { waitFor } from '../support/wait.js';
import { CAPTURE_PEER, CAPTURE_WS } from './page-media.js';
import { openHomeAct } from './participant-support.js';
import { type ConsultCloud, login, PASSWORDS, startConsultCloud } from './support.js';

const FILE = 'tests/teleconsult/home-call.browser.test.ts';
const INNER_TESTS = 2;
const inside = process.env[IN_NETNS_ENV] !== undefined;
const skipReason = await namespacedChromiumSkip('home-call browser test');

describe.skipIf(skipReason !== null || inside)('the home act’s conversation (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const r = await rerunInNamespace(FILE, 'thc');
    expectInnerRun(r, { passed: INNER_TESTS });
  }, 240_000);
});

interface CallStats {
  state: string;
  framesDecoded: number;
  audioEnergy: number;
  audioSamples: number;
}

/** getStats of the page's newest open peer connection (each page has only the conversation's). */
function callStats(page: Page): Promise<CallStats> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs.findLast((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track !== null));
    const out = { state: pc?.connectionState ?? 'none', framesDecoded: 0, audioEnergy: 0, audioSamples: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') out.framesDecoded += Number(s.framesDecoded ?? 0);
      else {
        out.audioEnergy += Number(s.totalAudioEnergy ?? 0);
        out.audioSamples += Number(s.totalSamplesReceived ?? 0);
      }
    });
    return out;
  });
}

async function grows(page: Page, key: 'framesDecoded' | 'audioEnergy', what: string): Promise<void> {
  const before = (await callStats(page))[key];
  await waitFor(async () => (await callStats(page))[key] > before, { timeoutMs: 20_000, what: `${what} to grow past ${before}` });
}

/** The energy received while at least `seconds` of audio arrive (counted in samples, not in wall time). */
async function energyOver(page: Page, seconds: number): Promise<number> {
  const a = await callStats(page);
  let b = a;
  await waitFor(
    async () => {
      b = await callStats(page);
      return b.audioSamples - a.audioSamples >= seconds * 48_000;
    },
    { timeoutMs: 20_000, what: `${seconds} s of audio received` },
  );
  return b.audioEnergy - a.audioEnergy;
}

describe.skipIf(skipReason !== null || !inside)('the home act’s conversation, inside the namespace', () => {
  let c: ConsultCloud;
  let turn: Coturn;
  let browser: Browser;
  let blanc: string;
  let specialist: Page;
  const problems: string[] = [];

  /** Script errors; console errors too, but on the specialist's page (its sign-in check is a 401 before the login). */
  function watch(page: Page, who: 'patient' | 'specialist'): void {
    page.on('pageerror', (e) => problems.push(`${who} pageerror: ${e.message}`));
    if (who === 'patient')
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${who} console: ${m.text()}`);
      });
  }

  /** The join link opened, the device check run to its end, the date of birth given: the waiting step. */
  async function patientWaiting(minutesAhead: number): Promise<{ page: Page; id: string }> {
    const l = await openHomeAct(c, blanc, minutesAhead);
    const context = await browser.newContext({ locale: 'fr-FR' });
    // The device cookie the link's first opening set (openHomeAct opened it as this device).
    const [name, value] = l.cookie.split('=');
    await context.addCookies([{ name: name ?? '', value: value ?? '', domain: l.url.hostname, path: l.url.pathname }]);
    const page = await context.newPage();
    watch(page, 'patient');
    await page.addInitScript(CAPTURE_PEER);
    await page.goto(l.url.href);
    await page.click('#check-start');
    await page.waitForSelector('#check-sound:not([hidden])', { timeout: 30_000 });
    await page.click('#check-sound');
    await page.waitForSelector('#check-heard:not([hidden])');
    await page.click('#check-heard');
    await page.waitForFunction(() => document.body.dataset.step === 'identity');
    await page.fill('#identity-birth-date', '1941-03-02');
    await page.click('#identity-birth button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.step === 'waiting');
    return { page, id: l.id };
  }

  beforeAll(async () => {
    turn = await startCoturn();
    c = await startConsultCloud({
      patients: [{ id: 'p-home', family: 'Martin', given: 'Jeanne', birthDate: '1941-03-02', gateways: ['home-7'] }],
      teleconsult: { turn: { urls: [turn.url], sharedSecretFile: turn.secretFile, ttlSeconds: 900 } },
    });
    blanc = await login(c.cloud.httpUrl, 'dr-blanc', PASSWORDS['dr-blanc']);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs({ webrtc: true }) });
    specialist = await browser.newPage({ locale: 'fr-FR' });
    watch(specialist, 'specialist');
    await specialist.addInitScript(CAPTURE_PEER);
    await specialist.addInitScript(CAPTURE_WS);
    await specialist.goto(`${c.cloud.httpUrl}/consult?lang=fr`);
    await specialist.fill('#login-id', 'dr-blanc');
    await specialist.fill('#login-password', PASSWORDS['dr-blanc']);
    await specialist.click('#login-form button[type=submit]');
    await waitFor(async () => (await specialist.evaluate(() => document.body.dataset.view)) === 'room', { what: 'the waiting room' });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    await turn?.stop();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it('a participant not let in cannot signal: the answer is refused, the specialist’s page receives nothing', async () => {
    const { page } = await patientWaiting(120);
    await expect.poll(() => specialist.locator('#participants-list li[data-state="waiting"]').count(), { timeout: 15_000 }).toBe(1);
    // What a tampered page would send while waiting, on a socket of its own under the same link.
    const answer = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}${location.pathname}/ws${location.search}`);
      const got: { type?: string; message?: string }[] = [];
      ws.addEventListener('message', (e) => got.push(JSON.parse(String(e.data))));
      await new Promise((r) => ws.addEventListener('open', r));
      ws.send(JSON.stringify({ type: 'signal', signal: { kind: 'answer', pc: 'forged', sdp: 'v=0\r\n' } }));
      ws.send(JSON.stringify({ type: 'signal', signal: { kind: 'ready' } }));
      for (let i = 0; i < 500 && got.filter((m) => m.type === 'error').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      ws.close();
      return got;
    });
    expect(answer.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([
      'you have not been let in yet: wait for the specialist',
      'you have not been let in yet: wait for the specialist',
    ]);
    const received = await specialist.evaluate(() => (window as unknown as { __wsIn: { type?: string }[] }).__wsIn.map((m) => m.type));
    expect(received.filter((t) => t?.startsWith('participant-') && t !== 'participants')).toEqual([]);
    expect(await specialist.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length)).toBe(0);
    expect(await specialist.isVisible('#home-call')).toBe(false);
    // The one waiting is sent away (the tampered socket's participant left when it closed).
    await expect.poll(() => specialist.locator('#participants-list li').count(), { timeout: 15_000 }).toBe(1);
    await specialist.locator('#participants-list button[data-action="refuse"]').click();
    await page.waitForFunction(() => document.body.dataset.step === 'refused');
    await page.context().close();
    await expect.poll(() => specialist.isVisible('#participants')).toBe(false);
  }, 120_000);

  it('once let in, both pages see and hear each other; each side’s mute is shown on the other', async () => {
    const { page: patient, id } = await patientWaiting(240);
    await specialist.locator('#participants-list button[data-action="admit"]').click();
    await patient.waitForFunction(() => document.body.dataset.step === 'admitted');
    expect(await patient.textContent('#waiting-text')).toBe('Dr Marc Blanc vous a fait entrer dans la consultation.');
    await expect.poll(() => specialist.isVisible('#home-call')).toBe(true);
    expect(await specialist.textContent('#home-call-who')).toBe('Jeanne Martin');
    // The specialist's page got the act's TURN credentials, its own party's.
    const admitted = await specialist.evaluate(() =>
      (window as unknown as { __wsIn: { type?: string; iceServers?: { username?: string }[] }[] }).__wsIn.find(
        (m) => m.type === 'participant-admitted',
      ),
    );
    expect(admitted?.iceServers?.some((s) => s.username?.endsWith('.specialist'))).toBe(true);

    await waitFor(async () => (await callStats(specialist)).state === 'connected', { timeoutMs: 30_000, what: 'specialist’s peer' });
    await waitFor(async () => (await callStats(patient)).state === 'connected', { timeoutMs: 30_000, what: 'patient’s peer' });
    // Each page decoded the other for 3 s and said so: the media flowed both ways, the act's duration counts from then.
    const act = await waitFor(async () => {
      const a = await c.cloud.store.getTeleconsultation(id);
      return a?.connectedAt ? a : undefined;
    });
    expect(Date.parse(act.connectedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(act.joinedAt ?? ''));
    await c.cloud.teleconsult.relay.flush();
    const lines = (await c.cloud.store.listAudit({ sessionId: id })).filter((e) => ['media-received', 'connected'].includes(e.action));
    expect(
      lines
        .filter((e) => e.action === 'media-received')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['dr-blanc', 'link:patient']);
    expect(lines.filter((e) => e.action === 'connected')).toHaveLength(1);
    console.log(
      `home act media up: ${((Date.parse(act.connectedAt ?? '') - Date.parse(act.joinedAt ?? '')) / 1000).toFixed(1)} s after the admission (load ${(loadavg()[0] ?? 0).toFixed(1)}); ${lines.map((e) => `${e.action} ${e.actor} ${e.at}`).join(', ')}`,
    );
    await grows(specialist, 'framesDecoded', 'the patient’s camera frames at the specialist');
    await grows(specialist, 'audioEnergy', 'the patient’s voice at the specialist');
    await grows(patient, 'framesDecoded', 'the specialist’s camera frames at the patient');
    await grows(patient, 'audioEnergy', 'the specialist’s voice at the patient');
    expect(await specialist.locator('#home-call-video').getAttribute('data-tracks')).toBe('2');
    expect(await patient.locator('#call-video').getAttribute('data-tracks')).toBe('2');

    // The patient mutes: said on the specialist's page, and the voice's energy stops growing.
    const live = await energyOver(specialist, 2);
    expect(live).toBeGreaterThan(0);
    await patient.click('#call-mic');
    expect(await patient.locator('#call-mic').getAttribute('aria-pressed')).toBe('true');
    expect(await patient.textContent('#call-mic')).toBe('Rétablir mon micro');
    await expect.poll(() => specialist.locator('#home-call-remote-state').getAttribute('data-mic')).toBe('false');
    expect(await specialist.textContent('#home-call-remote-state')).toContain('micro coupé');
    // Let the packets already on their way arrive, then: samples keep coming, their energy does not.
    await energyOver(specialist, 0.5);
    const muted = await energyOver(specialist, 2);
    expect(muted).toBeLessThan(live / 10_000);
    await patient.click('#call-mic');
    await expect.poll(() => specialist.locator('#home-call-remote-state').getAttribute('data-mic')).toBe('true');
    await grows(specialist, 'audioEnergy', 'the patient’s voice back at the specialist');

    // The specialist mutes: the patient's page says so, in words.
    await specialist.click('#home-call-mic');
    await expect.poll(() => patient.locator('#call-remote-state').getAttribute('data-mic')).toBe('false');
    expect(await patient.textContent('#call-remote-state')).toBe('Le spécialiste a coupé son micro');
    expect(problems.join('\n')).toBe('');
  }, 180_000);
});
