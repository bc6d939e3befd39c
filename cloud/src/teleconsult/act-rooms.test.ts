/**
 * The acts' rooms against the real forwarding unit (werift on the participants' side, no browser):
 * nothing joins before the room is open; the specialist and a guest join, connect, and each is told
 * which of its slots carries whom, by name; the guest's audio reaches the specialist through the
 * unit; the guest leaves and the specialist's slot is empty; the act ends and its room is gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import { ForwardingUnitError } from '../media/forwarding-unit/index.js';
import { unitCodecs } from '../media/forwarding-unit/unit-peer.js';
import { unitPagePeer } from '../testing/unit-page-peer.js';
import { ActRooms, CART_MEMBER, deferredRoom, SPECIALIST_MEMBER, type UnitToPage } from './act-rooms.js';

const ACT = '0b7e3d5c-3c9e-4a8e-9d55-5b7c1f0e2a11';

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the acts’ rooms on the forwarding unit', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c().catch(() => undefined);
  });

  it('opens on admission, labels each slot with the name, forwards, frees a leaver’s slot, closes with the act', async () => {
    const told: { member: string; m: UnitToPage }[] = [];
    const rooms = new ActRooms({
      deliver: (sessionId, member, m) => {
        if (sessionId === ACT) told.push({ member, m });
      },
      room: { hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null },
    });
    closing.push(() => rooms.closeAll());
    const spec = await unitPagePeer();
    const guest = await unitPagePeer();
    closing.push(
      () => spec.pc.close(),
      () => guest.pc.close(),
    );

    // No guest admitted yet: no room, nothing joins.
    await expect(rooms.join(ACT, SPECIALIST_MEMBER, 'Dr Marc Blanc', spec.offer)).rejects.toThrow(ForwardingUnitError);
    expect(rooms.isOpen(ACT)).toBe(false);

    rooms.open(ACT);
    rooms.open(ACT); // a second guest's admission keeps the room
    await spec.pc.setRemoteDescription({ type: 'answer', sdp: await rooms.join(ACT, SPECIALIST_MEMBER, 'Dr Marc Blanc', spec.offer) });
    await guest.pc.setRemoteDescription({ type: 'answer', sdp: await rooms.join(ACT, 'g-1', 'Dr Martin, médecin traitant', guest.offer) });
    await expect(rooms.addIceCandidate(ACT, 'g-2', { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' })).rejects.toThrow(
      /g-2, who is not in/,
    );

    const slotsOf = (member: string) =>
      [...told].reverse().find((t) => t.member === member && t.m.type === 'unit-slots')?.m as Extract<UnitToPage, { type: 'unit-slots' }>;
    expect(slotsOf(SPECIALIST_MEMBER)?.slots).toEqual([
      expect.objectContaining({ participantId: 'g-1', name: 'Dr Martin, médecin traitant' }),
    ]);
    expect(slotsOf('g-1')?.slots).toEqual([expect.objectContaining({ participantId: SPECIALIST_MEMBER, name: 'Dr Marc Blanc' })]);

    await until(
      () => (spec.pc.connectionState === 'connected' && guest.pc.connectionState === 'connected' ? true : undefined),
      'both connected',
    );
    // The guest's voice reaches the specialist's receive slot through the unit.
    let heard = 0;
    const slotMid = slotsOf(SPECIALIST_MEMBER)?.slots[0]?.audioMid;
    const slot = spec.pc.getTransceivers().find((t) => t.mid === slotMid);
    if (!slot) throw new Error(`no transceiver for mid ${slotMid}`);
    // werift made the slot's track at the answer; count what arrives on it.
    for (const track of slot.receiver.tracks) track.onReceiveRtp.subscribe(() => heard++);
    slot.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => heard++));
    let seq = 1;
    await until(() => {
      guest.say(seq++);
      return heard > 5 ? true : undefined;
    }, 'the guest’s packets at the specialist').catch((e: unknown) => {
      throw new Error(`${String(e)}; unit ${JSON.stringify(rooms.stats(ACT))}`);
    });
    expect(rooms.stats(ACT)?.rtpOut.packets).toBeGreaterThan(5);

    // The guest removed: the specialist's slot is empty; a second leave says they were not in.
    expect(await rooms.leave(ACT, 'g-1')).toBe(true);
    expect(slotsOf(SPECIALIST_MEMBER)?.slots).toEqual([expect.objectContaining({ participantId: null, name: null })]);
    expect(await rooms.leave(ACT, 'g-1')).toBe(false);
    expect(rooms.has(ACT, 'g-1')).toBe(false);

    // The act ends: the room and its peers go, and nothing joins it any more.
    expect(await rooms.close(ACT)).toEqual([SPECIALIST_MEMBER]);
    expect(rooms.isOpen(ACT)).toBe(false);
    expect(rooms.stats(ACT)).toBeNull();
    await expect(rooms.join(ACT, 'g-1', 'Dr Martin', guest.offer)).rejects.toThrow(/no room is open/);
  }, 60_000);

  it('refuses a bad offer with the member named, and the room goes on', async () => {
    const rooms = new ActRooms({ deliver: () => undefined, room: { hostAddresses: ['127.0.0.1'], rembBitsPerSecond: null } });
    closing.push(() => rooms.closeAll());
    rooms.open(ACT);
    // Two microphones published on one connection: the unit refuses the offer.
    const two = new RTCPeerConnection({
      codecs: unitCodecs(),
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    closing.push(() => two.close());
    two.addTransceiver('audio', { direction: 'sendonly' });
    two.addTransceiver('audio', { direction: 'sendonly' });
    await two.setLocalDescription(await two.createOffer());
    await expect(rooms.join(ACT, 'g-1', 'Dr Martin', two.localDescription?.sdp ?? '')).rejects.toThrow(ForwardingUnitError);
    await expect(rooms.join(ACT, 'g-1', 'Dr Martin', 'short')).rejects.toThrow(/g-1/);
    expect(rooms.has(ACT, 'g-1')).toBe(false);
    const p = await unitPagePeer();
    closing.push(() => p.pc.close());
    expect(await rooms.join(ACT, 'g-1', 'Dr Martin', p.offer)).toMatch(/^v=0/);
  }, 30_000);
});

describe('deferredRoom: the unit built once werift is loaded', () => {
  it('holds calls until the room is built, counts nothing meanwhile, and fails them when the load failed', async () => {
    let build!: () => void;
    const joined: string[] = [];
    const built = new Promise<void>((r) => {
      build = r;
    });
    const room = deferredRoom(async () => {
      await built;
      return {
        join: async (id: string) => {
          joined.push(id);
          return { answer: `answer for ${id}` };
        },
        addIceCandidate: async () => undefined,
        leave: async () => undefined,
        close: async () => undefined,
        pin: () => undefined,
        stats: () => ({ ...deferredRoom(() => new Promise(() => undefined)).stats(), participants: joined.length }),
      };
    });
    const answer = room.join('guest-1', { offer: 'v=0 offer body' });
    expect(room.stats().participants).toBe(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(joined).toEqual([]);
    build();
    await expect(answer).resolves.toEqual({ answer: 'answer for guest-1' });
    expect(room.stats().participants).toBe(1);

    const broken = deferredRoom(async () => {
      throw new Error('werift could not be loaded');
    });
    await expect(broken.join('guest-2', { offer: 'v=0 offer body' })).rejects.toThrow(/werift could not be loaded/);
    await expect(broken.close()).rejects.toThrow(/werift could not be loaded/);
  });
});

describe('the probes of the cart’s downlink: the room owns them, the specialist’s page takes its turn', () => {
  it('tells the room what the page said of its camera toward the cart (kept until the cart joins), and the page the room’s grant', async () => {
    const told: { member: string; m: UnitToPage }[] = [];
    const said: [string, boolean][] = [];
    let grant: ((viewer: string) => void) | undefined;
    const rooms = new ActRooms({
      deliver: (_sessionId, member, m) => told.push({ member, m }),
      createRoom: (hooks) => {
        grant = hooks.onDirectProbe;
        return {
          join: async () => ({ answer: 'v=0 answer' }),
          addIceCandidate: async () => undefined,
          leave: async () => undefined,
          close: async () => undefined,
          pin: () => undefined,
          directVideo: (viewer, paused) => {
            said.push([viewer, paused]);
          },
          stats: () => deferredRoom(() => new Promise(() => undefined)).stats(),
        };
      },
    });
    rooms.open(ACT);
    await rooms.join(ACT, SPECIALIST_MEMBER, 'Dr Marc Blanc', 'v=0 offer');
    // Said before the cart is in the room: kept, and told at its join.
    await rooms.directVideo(ACT, CART_MEMBER, true);
    expect(said).toEqual([]);
    await rooms.join(ACT, CART_MEMBER, 'Chariot 3', 'v=0 offer', { specialistDirect: true });
    expect(said).toEqual([[CART_MEMBER, true]]);
    await rooms.directVideo(ACT, CART_MEMBER, false);
    expect(said).toEqual([
      [CART_MEMBER, true],
      [CART_MEMBER, false],
    ]);
    // The room grants the cart's direct sender its probe: the specialist's page is told; a viewer with no direct sender is not one.
    grant?.(CART_MEMBER);
    grant?.('g-1');
    expect(told.filter((t) => t.m.type === 'unit-direct-probe')).toEqual([{ member: SPECIALIST_MEMBER, m: { type: 'unit-direct-probe' } }]);
    // Another act: nothing.
    await rooms.directVideo('another-act', CART_MEMBER, true);
    expect(said).toHaveLength(2);
  });
});
