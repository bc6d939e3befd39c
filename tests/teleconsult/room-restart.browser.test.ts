/**
 * The act's room on the forwarding unit across a real crash of the cloud (docs/conversation.md,
 * « Across a cloud restart »), in Chromium with fake cameras and microphones:
 *
 *   the cloud: the built CLI as a child process (embedded broker, SQLite file, the unit in it)
 *   specialist's page (Chromium) ═ act's room ═ guest's page (Chromium); a cart's act (TestCart over MQTT)
 *
 * A cart's act in progress; the specialist lets a guest in (both pages decode each other through the
 * unit) and a second guest (a socket of the test's) whom they then remove. SIGKILL; both pages say
 * « Connexion perdue, reconnexion… »; the cloud starts again on the same store and ports. Then each
 * page decodes the other's video and audio again (getStats, on the m-lines the unit labels), the
 * guest's page was never put back in the waiting room (its steps: reconnecting → admitted), the
 * removed guest's socket is refused (403), and the audit trail has the room rebuilt and the guest's
 * rejoin. The time from the cloud's ready to each page decoding again is printed.
 *
 * WebRTC gathers every interface it sees: the file re-runs itself in a network namespace with only
 * `lo` (root needed; skipped otherwise, with the reason).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { hashPassword } from '@telecart/cloud';
import { encodePayload, topics } from '@telecart/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/chromium.js';
import { type CloudChildDir, cloudChildDir } from '../support/cloud-child.js';
import { canUseNetns, expectInnerRun, IN_NETNS_ENV, rerunInNamespace } from '../support/netns-media.js';
import type { ServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';
import { CAPTURE_PEER, receives, tileOf, unitStats } from './page-media.js';
import { participantSocket } from './participant-support.js';
import { login, PASSWORDS, TestCart } from './support.js';

const FILE = 'tests/teleconsult/room-restart.browser.test.ts';
const inside = process.env[IN_NETNS_ENV] !== undefined;
const skipReason = !hasChromium
  ? 'no /usr/bin/chromium'
  : !(inside || (await canUseNetns()))
    ? 'needs root and iproute2 to run WebRTC in a network namespace with only lo'
    : null;
if (skipReason && !inside) console.warn(`room-restart browser test skipped: ${skipReason}`);

describe.skipIf(skipReason !== null || inside)(
  'the act’s room across a cloud crash (re-run inside a network namespace with only lo)',
  () => {
    it('passes inside the namespace', async () => {
      const r = await rerunInNamespace(FILE, 'trr');
      expectInnerRun(r, { passed: 1, figures: 'room-restart:' });
    }, 300_000);
  },
);

const CART = 'cart-1';
const GUEST = 'Dr Petit, médecin traitant';
const REMOVED = 'Fille de la patiente';
const RECONNECTING = 'Connexion perdue, reconnexion…';

/** Init script for the guest's page: every body[data-step] it goes through, in order. */
function CAPTURE_STEPS(): void {
  const w = window as unknown as { __steps: string[] };
  w.__steps = [];
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver(() => {
      const s = document.body.dataset.step ?? '';
      if (w.__steps.at(-1) !== s) w.__steps.push(s);
    }).observe(document.body, { attributes: true, attributeFilter: ['data-step'] });
  });
}

describe.skipIf(skipReason !== null || !inside)('the act’s room across a cloud crash, inside the namespace', () => {
  let dir: CloudChildDir | undefined;
  let cloud: ServiceChild | undefined;
  let browsers: Browser[] = [];
  const closing: (() => unknown)[] = [];
  const problems: string[] = [];

  afterAll(async () => {
    for (const f of closing.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    browsers = [];
    await cloud?.stop();
    dir?.remove();
  });

  /** The cart connects (again) and says it is online; it answers the act's `start` as connected (its media are not the point here). */
  async function cartBack(c: ServiceChild, sid?: string): Promise<TestCart> {
    const t = await TestCart.connect(String(c.info.mqttUrl), CART);
    closing.push(() => t.client.end(true));
    const status = { v: 1, gatewayId: CART, online: true, at: new Date().toISOString() };
    await t.client.publishAsync(topics.status(CART), encodePayload(status), { qos: 1, retain: true });
    if (sid)
      void t.next('start', (m) => m.sessionId === sid).then(() => t.send({ v: 1, type: 'state', sessionId: sid, state: 'connected' }));
    return t;
  }

  async function newPage(browser: Browser, who: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
    page.on('pageerror', (e) => problems.push(`${who} pageerror: ${e.message}`));
    await page.addInitScript(CAPTURE_PEER);
    return page;
  }

  /** From `t0` (the cloud's ready), ms until the page's new unit peer decodes frames and audio from `name`. */
  async function decodingAgain(
    page: Page,
    tiles: string,
    name: string,
    t0: number,
  ): Promise<{ ms: number; mids: { audio: string; video: string } }> {
    const mids = await tileOf(page, tiles, name);
    await waitFor(
      async () => {
        const s = await unitStats(page);
        const v = s.inbound[mids.video];
        const a = s.inbound[mids.audio];
        return s.state === 'connected' && (v?.framesDecoded ?? 0) > 0 && (a?.audioEnergy ?? 0) > 0;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: `${name} decoded again` },
    );
    return { ms: performance.now() - t0, mids };
  }

  it('SIGKILL mid-act: both pages reconnect and decode each other again, the guest is not sent back to wait, the removed one stays out', async () => {
    dir = await cloudChildDir('room-restart');
    const folder = dir;
    folder.configure({
      patients: [{ id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', gateways: [CART] }],
      teleconsult: {
        rejoinGraceSeconds: 120,
        leaseSeconds: 6,
        connectTimeoutSeconds: 60,
        forwardingUnit: { hostAddresses: ['127.0.0.1'] },
        specialists: [
          { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORDS['dr-roux'], 10), gateways: ['cart-*'] },
          { id: 'auditor', name: 'DPO', passwordHash: await hashPassword(PASSWORDS.auditor, 10), audit: true },
        ],
      },
    });
    const first = await folder.start();
    cloud = first;
    const http = String(first.info.httpUrl);
    const cookie = await login(http, 'dr-roux', PASSWORDS['dr-roux']);
    const auditor = await login(http, 'auditor', PASSWORDS.auditor);
    const sb = await launchChromium({ webrtc: true });
    const gb = await launchChromium({ webrtc: true });
    browsers = [sb, gb];

    // The specialist's page joins a cart's act.
    const specialist = await newPage(sb, 'specialist');
    await specialist.goto(`${http}/consult?lang=fr`);
    await specialist.fill('#login-id', 'dr-roux');
    await specialist.fill('#login-password', PASSWORDS['dr-roux']);
    await specialist.click('#login-form button[type=submit]');
    await waitFor(async () => (await specialist.evaluate(() => document.body.dataset.view)) === 'room', { what: 'the waiting room' });
    const sid = randomUUID();
    const cart = await cartBack(first, sid);
    await cart.call(sid);
    await specialist.locator(`tr[data-session="${sid}"] button.join`).click();
    await cart.next('start', (m) => m.sessionId === sid);

    // A guest let in: both pages decode each other through the unit.
    const invite = async (name: string) => {
      const r = await fetch(`${http}/api/teleconsult/acts/${sid}/guests`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(r.status).toBe(201);
      return (await r.json()) as { url: string; guest: { id: string } };
    };
    const admit = (name: string) =>
      specialist.locator('#participants-list li[data-state="waiting"]', { hasText: name }).locator('button[data-action="admit"]').click();
    const invited = await invite(GUEST);
    const guest = await newPage(gb, 'guest');
    await guest.addInitScript(CAPTURE_STEPS);
    await guest.goto(invited.url);
    await guest.waitForFunction(() => document.body.dataset.step === 'waiting');
    await admit(GUEST);
    await guest.waitForFunction(() => document.body.dataset.step === 'admitted');
    await receives(specialist, await tileOf(specialist, '#unit-room-tiles', GUEST), 20, 'the specialist from the guest');
    await receives(guest, await tileOf(guest, '#guest-room-tiles', 'Dr Anne Roux'), 20, 'the guest from the specialist');

    // A second guest (a socket of the test's), let in, then removed.
    const other = await invite(REMOVED);
    const otherUrl = new URL(other.url);
    const opened = await fetch(otherUrl);
    expect(opened.status).toBe(200);
    const otherCookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const s2 = await participantSocket(http, otherUrl, otherCookie);
    if (typeof s2 === 'number') throw new Error(`second guest refused: ${s2}`);
    closing.push(() => s2.ws.close());
    await admit(REMOVED);
    await s2.next((m) => m.type === 'admitted');
    const del = await fetch(`${http}/api/teleconsult/acts/${sid}/guests/${other.guest.id}`, { method: 'DELETE', headers: { cookie } });
    expect(del.status).toBe(200);
    await s2.closed;
    const events = async (c: ServiceChild) => {
      const r = await fetch(`${String(c.info.httpUrl)}/api/audit?session=${sid}`, { headers: { cookie: auditor } });
      return ((await r.json()) as { events: { action: string; detail: string | null }[] }).events;
    };
    // Written in order: the removal's line is after the admissions.
    await waitFor(async () => (await events(first)).some((e) => e.action === 'guest-removed'), { what: 'the removal stored' });

    // The crash: both pages say they reconnect.
    await first.kill('SIGKILL');
    cart.client.end(true);
    await guest.waitForFunction(() => document.body.dataset.step === 'reconnecting');
    expect(await guest.locator('#waiting-text').textContent()).toBe(RECONNECTING);
    await expect.poll(() => specialist.locator('#unit-room-note').textContent()).toBe(RECONNECTING);

    const second = await folder.start();
    cloud = second;
    const t0 = performance.now();
    await cartBack(second, sid);
    const [atGuest, atSpecialist] = await Promise.all([
      decodingAgain(guest, '#guest-room-tiles', 'Dr Anne Roux', t0),
      decodingAgain(specialist, '#unit-room-tiles', GUEST, t0),
    ]);
    console.log(
      `room-restart: cloud ready → decoding again: guest ${(atGuest.ms / 1000).toFixed(1)} s, specialist ${(atSpecialist.ms / 1000).toFixed(1)} s (load ${loadavg()[0]?.toFixed(1)})`,
    );
    await receives(guest, atGuest.mids, 20, 'the guest from the specialist, after the restart');
    await receives(specialist, atSpecialist.mids, 20, 'the specialist from the guest, after the restart');

    // Never back in the waiting room: reconnecting, then let in at once.
    const steps = await guest.evaluate(() => (window as unknown as { __steps: string[] }).__steps);
    const afterCrash = steps.slice(steps.lastIndexOf('admitted', steps.indexOf('reconnecting')) + 1);
    expect(afterCrash.filter((s) => s !== 'reconnecting')).toEqual(['admitted']);
    expect(await guest.locator('#waiting-text').textContent()).toBe('Dr Anne Roux vous a fait entrer dans la consultation.');
    // The removed guest stays out.
    expect(await participantSocket(String(second.info.httpUrl), otherUrl, otherCookie)).toBe(403);

    const trail = (await events(second)).map((e) => e.action);
    const after = trail.slice(trail.indexOf('restart'));
    expect(after).toEqual(expect.arrayContaining(['unit-room-reopened', 'participant-rejoined', 'guest-media-joined']));
    expect(after.filter((a) => a === 'participant-waiting')).toEqual([]);
    expect(problems).toEqual([]);
  }, 280_000);
});
