/**
 * The nurse page's link report (POST /api/teleconsult/uplink, docs/conversation.md « One uplink budget ») checked
 * with a client the project did not write: curl (Debian's), raw HTTP on loopback, against the real routes (the
 * nurse sign-in guard, then the conversation routes) and a real TeleconsultAgent on a recording link. What the
 * docs say holds: a TypeBox body (400 « not a link report: » naming the field), a round trip at most
 * MAX_REPORTED_RTT_MS (60 s: 60,000 ms taken, more refused), 409 for an act not in progress on this cart, 401
 * with no nurse signed in; a refused report changes nothing (the budget is not stepped down by congestion it
 * carried, while the same report within the bound steps it down).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { MAX_REPORTED_RTT_MS } from '@telecart/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { FullSignIn } from '../../nurses/full-sign-in.js';
import { NurseRoster } from '../../nurses/roster.js';
import { NURSE_COOKIE, NurseSessions } from '../../nurses/sessions.js';
import type { TeleconsultAgent } from '../../teleconsult/agent.js';
import { loopbackAgent } from '../../testing/loopback-agent.js';
import { RecordingLink } from '../../testing/recording-link.js';
import { registerConversationRoutes } from './conversation.js';
import { registerNurseRoutes } from './nurse.js';

const run = promisify(execFile);

/** One request with curl: its status and body. */
async function curl(url: string, args: readonly string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['--silent', '--show-error', '--max-time', '20', '--write-out', '\n%{http_code}', ...args, url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

describe('the link report from outside (curl)', () => {
  let app: FastifyInstance;
  let link: RecordingLink;
  let agent: TeleconsultAgent;
  let url: string;
  let cookie: string;
  let now = 0;
  const sid = randomUUID();
  const other = randomUUID();

  beforeAll(async () => {
    link = new RecordingLink();
    agent = loopbackAgent(link, { clock: { now: () => now } });
    const sessions = new NurseSessions(600_000);
    const store = new Map<string, string>();
    const sync = { route: () => () => undefined, publishOther: async () => undefined, connected: false };
    app = Fastify({ logger: false });
    registerNurseRoutes(app, {
      roster: new NurseRoster({
        gatewayId: 'cart-unit',
        store: { loadMeta: (k) => store.get(k), saveMeta: (k, v) => void store.set(k, v) },
        logger: silentLogger,
      }),
      sessions,
      fullSignIn: new FullSignIn({ gatewayId: 'cart-unit', sync, logger: silentLogger }),
      required: true,
      logger: silentLogger,
    });
    registerConversationRoutes(app, agent);
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/teleconsult/uplink`;
    cookie = `${NURSE_COOKIE}=${sessions.open({ id: 'n.martin', name: 'Nadia Martin', method: 'pin' })}`;
  });
  afterAll(async () => {
    await agent?.close();
    await app?.close();
  });

  const post = (body: string, extra: readonly string[] = ['--cookie', cookie]) =>
    curl(url, ['--request', 'POST', '--header', 'content-type: application/json', '--data-binary', body, ...extra]);
  const message = (r: { body: string }) => (JSON.parse(r.body) as { message: string }).message;

  it('refuses what the docs say it refuses, with a clear message, and keeps nothing of it', { timeout: 60_000 }, async () => {
    const congested = { sessionId: sid, loss: 0.3, rttMs: 600 };
    // No act in progress yet.
    let r = await post(JSON.stringify(congested));
    expect(r.status).toBe(409);
    expect(message(r)).toMatch(/not the act in progress on this cart \(none in progress\)/);
    link.down({
      v: 1,
      type: 'start',
      sessionId: sid,
      specialist: { id: 'dr-x', name: 'Dr X' },
      media: { video: false, audio: false, ecg: false },
    });
    await expect.poll(() => agent.uplinkPlan()?.plan.level, { timeout: 15_000 }).toBe('full');

    // No nurse signed in, or a session that is not one.
    for (const extra of [[], ['--cookie', `${NURSE_COOKIE}=forged`]]) {
      r = await post(JSON.stringify(congested), extra);
      expect(r.status).toBe(401);
      expect(message(r)).toBe('POST /api/teleconsult/uplink needs a nurse signed in on the cart (PIN, badge or full sign-in)');
    }
    // Off the schema: each names the field.
    const refused: [unknown, RegExp][] = [
      [
        { ...congested, rttMs: MAX_REPORTED_RTT_MS + 1 },
        /^not a link report: \/rttMs: Expected number to be less or equal to 60000 or Expected null$/,
      ],
      [{ ...congested, rttMs: 93_955 }, /^not a link report: \/rttMs: Expected number to be less or equal to 60000 or Expected null$/],
      [{ ...congested, rttMs: -1 }, /^not a link report: \/rttMs: Expected number to be greater or equal to 0 or Expected null$/],
      [{ ...congested, rttMs: '600' }, /^not a link report: \/rttMs: Expected number or Expected null$/],
      [{ ...congested, loss: 1.01 }, /^not a link report: \/loss: Expected number to be less or equal to 1/],
      [{ ...congested, jitterMs: 3 }, /^not a link report: \/jitterMs: Unexpected property/],
      [{ sessionId: sid, loss: 0.3 }, /^not a link report: \/rttMs: Expected required property/],
      [{ ...congested, sessionId: 'not-a-uuid' }, /^not a link report: \/sessionId: /],
      [[congested], /^not a link report: \/: Expected object/],
    ];
    for (const [body, why] of refused) {
      r = await post(JSON.stringify(body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(message(r), JSON.stringify(body)).toMatch(why);
    }
    // Not JSON at all, or no body: Fastify's own 400, saying so.
    r = await post('{"sessionId":');
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/not valid JSON/);
    r = await post('');
    expect(r.status).toBe(400);
    expect(message(r)).toMatch(/cannot be empty/);
    // Another act than the one in progress.
    r = await post(JSON.stringify({ ...congested, sessionId: other }));
    expect(r.status).toBe(409);
    expect(message(r)).toMatch(/not the act in progress/);

    // Nothing of the refused reports was kept: congested reports over the bound, for several seconds of the
    // budget's time (each real second a tick), leave the budget where it was, and nothing went to the specialist.
    for (let i = 0; i < 4; i++) {
      now += 1000;
      expect((await post(JSON.stringify({ ...congested, rttMs: MAX_REPORTED_RTT_MS + 1 }))).status).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    expect(agent.uplinkPlan()?.plan.level).toBe('full');
    expect(link.ups.filter((u) => u.type === 'convo')).toEqual([]);

    // At the bound the same report is taken (204) and its congestion steps the budget down.
    await expect
      .poll(
        async () => {
          now += 1000;
          expect((await post(JSON.stringify({ ...congested, rttMs: MAX_REPORTED_RTT_MS }))).status).toBe(204);
          return agent.uplinkPlan()?.plan.level;
        },
        { timeout: 30_000, interval: 300 },
      )
      .not.toBe('full');
  });
});
