/**
 * The agent at its trust boundary: RtcDown payloads from the cloud (validated, malformed ones counted
 * and dropped, the agent lives on), and RtcUp checked before it leaves (mqtt-link). The media path
 * with a browser is tested in tests/teleconsult/media.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { RtcUp } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import type { Logger } from '../logger.js';
import { loopbackAgent } from '../testing/loopback-agent.js';
import { RecordingLink as Link } from '../testing/recording-link.js';
import { mqttSignalingLink } from './mqtt-link.js';

function agentRig() {
  const link = new Link();
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (o) => warnings.push(JSON.stringify(o)),
    error: () => undefined,
  };
  const agent = loopbackAgent(link, { logger });
  return { link, agent, warnings };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('TeleconsultAgent — RtcDown validation', () => {
  it('counts and drops what is not JSON or not RtcDown, logs each kind once, and keeps handling good messages', async () => {
    const { link, agent, warnings } = agentRig();
    try {
      const sessionId = randomUUID();
      link.raw('{"v":1,"type":"session"');
      link.raw(Buffer.from([0xff, 0xfe, 0x00]));
      link.down({ v: 2, type: 'session', sessionId, status: 'waiting' });
      link.down({ v: 1, type: 'session', sessionId: 'not-a-uuid', status: 'waiting' });
      link.down({ v: 1, type: 'session', sessionId, status: 'on-fire' });
      link.down({ v: 1, type: 'answer', sessionId, sdp: '' });
      link.down({ v: 1, type: 'start', sessionId, specialist: { id: 'dr', name: 'Dr' }, media: { video: true } });
      link.down({ v: 1, type: 'ice', sessionId, candidate: { candidate: 'x'.repeat(2000) } });
      link.down({ v: 1, type: 'hangup', sessionId, extra: 1 });
      link.raw('[]');
      link.raw('null');
      link.down({ v: 1, type: 'session', sessionId, status: 'waiting', specialist: { id: 'dr-roux', name: 'Dr Roux' } });
      await settle();
      const c = agent.status().counters;
      expect(c.downMessages).toBe(12);
      expect(c.malformed).toBe(11);
      expect(agent.status().session).toEqual({
        sessionId,
        status: 'waiting',
        specialist: { id: 'dr-roux', name: 'Dr Roux' },
        patientId: null,
      });
      // Logged once per kind (not JSON, schema), with context.
      expect(warnings.length).toBe(2);
      expect(warnings.join('\n')).toMatch(/not JSON/);
      expect(warnings.join('\n')).toMatch(/rtc-down-schema/);
      expect(link.ups).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('messages for a session that is not live are counted and ignored', async () => {
    const { link, agent } = agentRig();
    try {
      const other = randomUUID();
      link.down({ v: 1, type: 'answer', sessionId: other, sdp: 'v=0' });
      link.down({ v: 1, type: 'ice', sessionId: other, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
      link.down({ v: 1, type: 'hangup', sessionId: other });
      await settle();
      expect(agent.status().counters).toMatchObject({ malformed: 0, otherSession: 3, sessionsStarted: 0 });
    } finally {
      await agent.close();
    }
  });

  it('start → offer with loopback candidates only; a bad answer is reported as an error, and a hangup frees the session', async () => {
    const { link, agent } = agentRig();
    try {
      const sessionId = randomUUID();
      link.down({
        v: 1,
        type: 'start',
        sessionId,
        specialist: { id: 'dr', name: 'Dr' },
        media: { video: false, audio: false, ecg: false },
      });
      await until(() => link.ups.some((u) => u.type === 'offer'), 'the offer');
      expect(link.ups[0]).toEqual({ v: 1, type: 'state', sessionId, state: 'connecting' });
      const offer = link.ups.find((u) => u.type === 'offer');
      expect(offer?.type === 'offer' && offer.sdp).toMatch(/m=application .* webrtc-datachannel/);
      await until(() => link.ups.some((u) => u.type === 'ice'), 'a candidate');
      for (const u of link.ups) if (u.type === 'ice') expect(u.candidate.candidate).toMatch(/ 127\.0\.0\.1 /);
      expect(agent.status().peer?.sessionId).toBe(sessionId);

      // A schema-valid answer that is not SDP (werift would take it): refused, counted, the page told; a good one may follow.
      link.down({ v: 1, type: 'answer', sessionId, sdp: 'this is not sdp' });
      await until(() => link.ups.some((u) => u.type === 'error'), 'the error');
      expect(link.ups.find((u) => u.type === 'error')).toMatchObject({
        v: 1,
        type: 'error',
        sessionId,
        message: expect.stringMatching(/must begin with v=0/),
      });
      expect(agent.status().counters.malformed).toBe(1);

      // The real answer from a peer on loopback: connected.
      const browser = await answerLastOffer(link, sessionId);
      try {
        await until(() => agent.status().peer?.state === 'connected', 'connected');
        expect(agent.status().counters.malformed).toBe(1);
      } finally {
        await browser.close();
      }

      link.down({ v: 1, type: 'hangup', sessionId });
      await until(() => agent.status().peer === null, 'the hang-up');
      expect(agent.status().counters).toMatchObject({ sessionsStarted: 1, sessionsClosed: 1 });
      expect(agent.mediaPids()).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});

/** A werift peer on loopback answering the agent's last offer, as a browser page would. */
async function answerLastOffer(link: Link, sessionId: string): Promise<RTCPeerConnection> {
  const offers = link.ups.filter((u) => u.type === 'offer');
  const offer = offers[offers.length - 1];
  const from = link.ups.indexOf(offer as RtcUp);
  const browser = new RTCPeerConnection({ iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] });
  await browser.setRemoteDescription({ type: 'offer', sdp: offer?.type === 'offer' ? offer.sdp : '' });
  await browser.setLocalDescription(await browser.createAnswer());
  link.down({ v: 1, type: 'answer', sessionId, sdp: browser.localDescription?.sdp ?? '' });
  for (const u of link.ups.slice(from)) if (u.type === 'ice') await browser.addIceCandidate(u.candidate);
  browser.onIceCandidate.subscribe((c) => {
    if (c?.candidate)
      link.down({
        v: 1,
        type: 'ice',
        sessionId,
        candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null },
      });
  });
  return browser;
}

describe('TeleconsultAgent — the specialist rejoins the live act', () => {
  it('shows reconnecting to the nurse; a new start for the same act replaces the peer quietly and offers anew', async () => {
    const { link, agent } = agentRig();
    const browsers: RTCPeerConnection[] = [];
    try {
      const sessionId = randomUUID();
      const specialist = { id: 'dr', name: 'Dr' };
      const start = { v: 1, type: 'start', sessionId, specialist, media: { video: false, audio: false, ecg: false } } as const;
      link.down(start);
      await until(() => link.ups.some((u) => u.type === 'offer'), 'the offer');
      browsers.push(await answerLastOffer(link, sessionId));
      await until(() => agent.status().peer?.state === 'connected', 'connected');

      // The page went away: the nurse's view says so, the media stay.
      link.down({ v: 1, type: 'session', sessionId, status: 'in-progress', specialist, specialistLink: 'reconnecting' });
      await until(() => agent.status().session?.specialistLink === 'reconnecting', 'reconnecting shown');
      expect(agent.status().peer).toMatchObject({ sessionId, state: 'connected' });

      // Rejoin: a fresh start for the same act.
      const before = link.ups.length;
      link.down(start);
      link.down({ v: 1, type: 'session', sessionId, status: 'in-progress', specialist, specialistLink: 'present' });
      await until(() => link.ups.slice(before).some((u) => u.type === 'offer'), 'the new offer');
      // The old peer's 'closed' was not reported: the act is not over.
      const states = link.ups.slice(before).flatMap((u) => (u.type === 'state' ? [u.state] : []));
      expect(states[0]).toBe('connecting');
      expect(states).not.toContain('closed');
      expect(agent.status().counters).toMatchObject({ sessionsStarted: 2, sessionsClosed: 1 });
      expect(agent.status().session?.specialistLink).toBe('present');

      browsers.push(await answerLastOffer(link, sessionId));
      await until(() => agent.status().peer?.state === 'connected', 'connected again');

      link.down({ v: 1, type: 'hangup', sessionId });
      await until(() => agent.status().peer === null, 'the hang-up');
      // A normal end still reports 'closed'.
      expect(link.ups.slice(before).flatMap((u) => (u.type === 'state' ? [u.state] : []))).toContain('closed');
    } finally {
      for (const b of browsers) await b.close();
      await agent.close();
    }
  });
});

describe('mqttSignalingLink', () => {
  it('refuses an RtcUp that does not match the contract before it reaches MQTT', async () => {
    const published: string[] = [];
    const link = mqttSignalingLink(
      {
        publishOther: async (_topic: string, payload: string) => {
          published.push(payload);
        },
        route: () => () => undefined,
      } as unknown as Parameters<typeof mqttSignalingLink>[0],
      'cart-unit',
    );
    const sessionId = randomUUID();
    await link.publish({ v: 1, type: 'state', sessionId, state: 'connected' });
    await expect(link.publish({ v: 1, type: 'state', sessionId, state: 'melting' } as unknown as RtcUp)).rejects.toThrow(
      /does not match the contract/,
    );
    expect(published.map((p) => JSON.parse(p).state)).toEqual(['connected']);
  });
});
