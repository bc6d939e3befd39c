/**
 * The conversation's signaling at the gateway, its trust boundary with the cart's browser: POST
 * /api/teleconsult/convo takes only the protocol's ConvoFromCart for the act in progress (400 off
 * the schema, 409 for any other act, nothing sent), and the event stream gives the cart's page the
 * act and the specialist's signals, with their `ready` again for a page that (re)connects later.
 * POST /api/teleconsult/unit, the cart page's signals for the act's room on the cloud's forwarding
 * unit, the same way (UnitFromCart only, the act in progress only); the room's `ready` is given again
 * to a page that connects while the room is open, not after it closed.
 * POST /api/teleconsult/uplink, the page's view of the link for the cart's uplink budget: the act in
 * progress only, a fraction and a round trip only; congestion it reports steps the budget down, and the
 * plan goes to the page (`uplink` event, again to a page connecting later) and to the specialist (RtcUp
 * convo `uplink`, again after their `ready`).
 * Real Fastify on loopback and a real TeleconsultAgent on a recording signaling link.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TeleconsultAgent } from '../../teleconsult/agent.js';
import { loopbackAgent } from '../../testing/loopback-agent.js';
import { RecordingLink as Link } from '../../testing/recording-link.js';
import { registerConversationRoutes } from './conversation.js';

/** Reads server-sent events until `until` matches one of them. */
async function eventsUntil(url: string, until: (e: { event: string; data: unknown }) => boolean) {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const seen: { event: string; data: unknown }[] = [];
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return seen;
      text += Buffer.from(value).toString('utf8');
      const blocks = text.split('\n\n');
      text = blocks.pop() ?? '';
      for (const b of blocks) {
        const event = /^event: (.*)$/m.exec(b)?.[1];
        const data = /^data: (.*)$/m.exec(b)?.[1];
        if (!event || data === undefined) continue;
        const e = { event, data: JSON.parse(data) as unknown };
        seen.push(e);
        if (until(e)) return seen;
      }
    }
  } finally {
    ac.abort();
  }
}

describe('the conversation routes', () => {
  let app: FastifyInstance;
  let link: Link;
  let agent: TeleconsultAgent;
  let url: string;
  /** The agent's clock: the budget's judgements are in its time, its ticks every real second. */
  let now = 0;
  const sid = randomUUID();
  const other = randomUUID();
  const inProgress = (sessionId: string) =>
    link.down({ v: 1, type: 'session', sessionId, status: 'in-progress', specialist: { id: 'dr-x', name: 'Dr X' } });

  beforeEach(async () => {
    link = new Link();
    agent = loopbackAgent(link, { clock: { now: () => now } });
    app = Fastify({ logger: false });
    registerConversationRoutes(app, agent);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await agent.close();
    await app.close();
  });

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/teleconsult/convo', payload: body as object });
  const settle = () => new Promise((r) => setImmediate(r));

  it('sends the cart page’s signals for the act in progress only; refuses the rest with a reason, sending nothing', async () => {
    const media = { kind: 'media', mic: true, camera: true };
    // No act in progress yet.
    let r = await post({ sessionId: sid, signal: media });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/not the act in progress.*none in progress/);
    inProgress(sid);
    await settle();
    r = await post({ sessionId: sid, signal: { kind: 'offer', pc: 'pc1', sdp: 'v=0' } });
    expect(r.statusCode).toBe(202);
    // Another act, what only the specialist sends, an unknown field, a bad id, a bad candidate.
    expect((await post({ sessionId: other, signal: media })).statusCode).toBe(409);
    for (const signal of [
      { kind: 'ready' },
      { kind: 'answer', pc: 'pc1', sdp: 'v=0' },
      // The specialist's camera paused toward the cart is the specialist's page's to say, not the cart's.
      { kind: 'downlink', videoPaused: true },
      { kind: 'media', mic: true, camera: true, volume: 2 },
      { kind: 'offer', pc: 'pc 1 <b>', sdp: 'v=0' },
      { kind: 'ice', pc: 'pc1', candidate: { candidate: 'x'.repeat(2000) } },
    ]) {
      const bad = await post({ sessionId: sid, signal });
      expect(bad.statusCode, JSON.stringify(signal)).toBe(400);
    }
    expect((await post({ sessionId: 'not-a-uuid', signal: media })).statusCode).toBe(400);
    expect(link.ups).toEqual([{ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'offer', pc: 'pc1', sdp: 'v=0' } }]);
    // The act ends: nothing more goes.
    link.down({ v: 1, type: 'session', sessionId: sid, status: 'completed' });
    await settle();
    expect((await post({ sessionId: sid, signal: media })).statusCode).toBe(409);
    expect(link.ups).toHaveLength(1);
  });

  it('streams the act and the specialist’s signals; a page connecting later gets their ready again; other acts’ are dropped', async () => {
    inProgress(sid);
    link.down({ v: 1, type: 'convo', sessionId: other, signal: { kind: 'ready' } });
    link.down({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'ready' } });
    await settle();
    expect(agent.counters.otherSession).toBe(1);
    const seen = await eventsUntil(`${url}/api/teleconsult/convo/events`, (e) => e.event === 'convo');
    expect(seen).toEqual([
      { event: 'act', data: { sessionId: sid, status: 'in-progress', iceServers: [] } },
      { event: 'convo', data: { sessionId: sid, signal: { kind: 'ready' } } },
    ]);
    // Live: the answer comes as it arrives (sent once this stream has had the replayed ready).
    const answer = { kind: 'answer', pc: 'pc1', sdp: 'v=0' } as const;
    const live = await eventsUntil(`${url}/api/teleconsult/convo/events`, (e) => {
      const kind = (e.data as { signal?: { kind: string } } | null)?.signal?.kind;
      if (kind === 'ready') link.down({ v: 1, type: 'convo', sessionId: sid, signal: answer });
      return kind === 'answer';
    });
    expect(live.at(-1)).toEqual({ event: 'convo', data: { sessionId: sid, signal: answer } });
  });

  it('the act’s room: the cart page’s unit signals for the act in progress only; its ready given again until the room closes', async () => {
    const unit = (body: unknown) => app.inject({ method: 'POST', url: '/api/teleconsult/unit', payload: body as object });
    const mute = { kind: 'media', mic: false, camera: true };
    expect((await unit({ sessionId: sid, signal: mute })).statusCode).toBe(409);
    inProgress(sid);
    await settle();
    expect((await unit({ sessionId: sid, signal: { kind: 'offer', sdp: 'v=0' } })).statusCode).toBe(202);
    expect((await unit({ sessionId: other, signal: mute })).statusCode).toBe(409);
    // What only the cloud sends, a participant named, an unknown field.
    for (const signal of [
      { kind: 'ready', iceServers: [] },
      { kind: 'answer', sdp: 'v=0' },
      { kind: 'offer', sdp: 'v=0', participantId: 'guest-1' },
      { kind: 'media', mic: true },
    ]) {
      const bad = await unit({ sessionId: sid, signal });
      expect(bad.statusCode, JSON.stringify(signal)).toBe(400);
      expect(bad.json().message).toMatch(/^not a signal for the act's room: /);
    }
    expect(link.ups).toEqual([{ v: 1, type: 'unit', sessionId: sid, signal: { kind: 'offer', sdp: 'v=0' } }]);

    const ready = { kind: 'ready', iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }] } as const;
    link.down({ v: 1, type: 'unit', sessionId: other, signal: ready });
    link.down({ v: 1, type: 'unit', sessionId: sid, signal: ready });
    await settle();
    expect(agent.counters.otherSession).toBe(1);
    const seen = await eventsUntil(`${url}/api/teleconsult/convo/events`, (e) => e.event === 'unit');
    expect(seen.at(-1)).toEqual({ event: 'unit', data: { sessionId: sid, signal: ready } });
    // Closed: a page connecting now is not told to join.
    link.down({ v: 1, type: 'unit', sessionId: sid, signal: { kind: 'closed', reason: 'completed' } });
    await settle();
    expect(agent.unitReady()).toBeNull();
  });

  it('the page’s link reports: the act in progress only, checked; congestion steps the budget down, told to the page and the specialist', async () => {
    const report = (body: unknown) => app.inject({ method: 'POST', url: '/api/teleconsult/uplink', payload: body as object });
    const congested = { sessionId: sid, loss: 0.3, rttMs: 600 };
    expect((await report(congested)).statusCode).toBe(409);
    link.down({
      v: 1,
      type: 'start',
      sessionId: sid,
      specialist: { id: 'dr-x', name: 'Dr X' },
      media: { video: false, audio: false, ecg: false },
    });
    await expect.poll(() => agent.uplinkPlan()?.plan.level, { timeout: 15_000 }).toBe('full');
    for (const bad of [
      { ...congested, loss: 1.5 },
      { ...congested, rttMs: -1 },
      { ...congested, jitter: 3 },
      { sessionId: sid, loss: 0.1 },
      { ...congested, sessionId: 'not-a-uuid' },
    ]) {
      const r = await report(bad);
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json().message).toMatch(/^not a link report/);
    }
    expect((await report({ ...congested, sessionId: other })).statusCode).toBe(409);
    // Congested reports while the agent's clock runs faster than the budget's ticks (each real second): it steps down.
    const events = eventsUntil(
      `${url}/api/teleconsult/convo/events`,
      (e) => e.event === 'uplink' && (e.data as { plan: { level: string } }).plan.level !== 'full',
    );
    let stepped = false;
    void events.then(() => {
      stepped = true;
    });
    while (!stepped) {
      now += 1000;
      expect((await report(congested)).statusCode).toBe(204);
      await new Promise((r) => setTimeout(r, 300));
    }
    const seen = await events;
    expect(seen.filter((e) => e.event === 'uplink').at(-1)?.data).toEqual({
      sessionId: sid,
      plan: {
        level: 'room-paused',
        roomVideo: false,
        ptzVideo: true,
        probe: false,
        probeKbps: 0,
        voiceKbps: 32,
        voiceFrameMs: 20,
        stethKbps: 32,
        stethFrameMs: 20,
      },
    });
    expect(link.ups.filter((u) => u.type === 'convo')).toEqual([
      { v: 1, type: 'convo', sessionId: sid, signal: { kind: 'uplink', level: 'room-paused' } },
    ]);
    // A page connecting later is given the plan; the specialist's ready is answered with the level again.
    const later = await eventsUntil(`${url}/api/teleconsult/convo/events`, (e) => e.event === 'uplink');
    expect(later.at(-1)?.data).toMatchObject({ sessionId: sid, plan: { level: 'room-paused' } });
    link.down({ v: 1, type: 'convo', sessionId: sid, signal: { kind: 'ready' } });
    await expect.poll(() => link.ups.filter((u) => u.type === 'convo').length).toBe(2);
  });
});
