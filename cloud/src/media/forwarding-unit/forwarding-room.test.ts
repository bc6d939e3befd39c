/**
 * The unit's transport when its process stalls (werift on both ends, no browser). The unit is
 * ICE-lite: only the participant's side checks the pair, and a browser whose checks go unanswered
 * long enough tears its side down for good while the unit goes on sending (the four-browser test's
 * "one participant's connection carried nothing either way"). The checks were lost in the kernel:
 * the unit's socket overflowed while its event loop was not running. Here the event loop is held
 * (spawnSync) while another process sends a burst to the unit's socket: every datagram of it must
 * be there when the loop runs again.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import { ForwardingRoom } from './forwarding-room.js';
import { unitCodecs } from './unit-peer.js';

/** About 2.4 MB: ten times what the default buffer (rmem_default, 208 KiB) holds, a third of what the unit asks for. */
const BURST = 2000;
const DATAGRAM = 1200;

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the forwarding unit while its process stalls', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('keeps every datagram sent to a participant’s socket during a stall (no ICE check lost)', async () => {
    const room = new ForwardingRoom({ hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null, onIceCandidate: () => undefined });
    closing.push(() => room.close());
    const participant = new RTCPeerConnection({
      codecs: unitCodecs(),
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    closing.push(() => participant.close());
    participant.addTransceiver('audio', { direction: 'sendonly' });
    participant.addTransceiver('audio', { direction: 'recvonly' });
    participant.addTransceiver('video', { direction: 'recvonly' });
    await participant.setLocalDescription(await participant.createOffer());
    const { answer } = await room.join('p1', { offer: participant.localDescription?.sdp ?? '' });
    await participant.setRemoteDescription({ type: 'answer', sdp: answer });

    const port = await until(() => {
      const d = room.diagnostics().p1;
      const m = d?.connection === 'connected' ? /^127\.0\.0\.1:(\d+) →/.exec(d.selectedPair ?? '') : null;
      return m ? Number(m[1]) : undefined;
    }, 'the participant connected');
    const received = () => {
      const pair = room.diagnostics().p1?.pairs.find((p) => p.includes(' nominated '));
      return Number(/pkts in (\d+)/.exec(pair ?? '')?.[1] ?? 0);
    };
    const before = received();

    // The event loop is held until the sender exits: nothing reads the unit's socket meanwhile.
    // 0xff leads no protocol (STUN 0–3, DTLS 20–63, RTP 128–191): counted, then ignored.
    const sender = `
      const s = require('node:dgram').createSocket('udp4');
      const b = Buffer.alloc(${DATAGRAM}, 0xff);
      let n = 0;
      const next = () => (n++ < ${BURST} ? s.send(b, ${port}, '127.0.0.1', next) : s.close());
      next();`;
    const r = spawnSync(process.execPath, ['-e', sender], { timeout: 60_000 });
    expect(r.status, String(r.stderr)).toBe(0);

    const got = await until(() => (received() - before >= BURST ? received() - before : undefined), `${BURST} datagrams`).catch(
      () => received() - before,
    );
    expect(
      got,
      `datagrams that reached the unit of ${BURST} sent during the stall; buffers ${room.diagnostics().p1?.receiveBuffer}`,
    ).toBeGreaterThanOrEqual(BURST);
  }, 60_000);
});
