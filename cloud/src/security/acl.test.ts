import { LANES, topics } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import {
  cloudUsers,
  identityFromCn,
  ingestCommonName,
  mayPublish,
  maySubscribe,
  mosquittoAcl,
  SIGNALING_CN,
  SIGNALING_SERVICES,
  signalingCommonName,
} from './acl.js';

const gwA = identityFromCn('cart-a');
const gwB = identityFromCn('cart-b');
const ingest = identityFromCn('telecart-cloud:ingest:0');
const signaling = identityFromCn(SIGNALING_CN);

describe('topic rules', () => {
  it('names identities from the certificate CN', () => {
    expect(gwA).toEqual({ role: 'gateway', gatewayId: 'cart-a' });
    expect(signaling).toEqual({ role: 'signaling', name: SIGNALING_CN });
    expect(identityFromCn('telecart-cloud:signaling:2').role).toBe('signaling');
    expect(identityFromCn('telecart-cloud:admin').role).toBe('none');
    expect(identityFromCn('').role).toBe('none');
  });

  it('a gateway publishes only its own uplinks, status and rtc/up', () => {
    for (const lane of LANES) expect(mayPublish(gwA, topics.uplink('cart-a', lane))).toBe(true);
    expect(mayPublish(gwA, topics.status('cart-a'))).toBe(true);
    expect(mayPublish(gwA, topics.rtcUp('cart-a'))).toBe(true);
    // Never another gateway's, never the cloud's direction.
    expect(mayPublish(gwB, topics.rtcUp('cart-a'))).toBe(false);
    expect(mayPublish(gwB, topics.uplink('cart-a', 'spot'))).toBe(false);
    expect(mayPublish(gwA, topics.rtcDown('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.ack('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.agenda('cart-a'))).toBe(false);
    expect(mayPublish(gwA, `${topics.rtcUp('cart-a')}/x`)).toBe(false);
    expect(mayPublish(gwA, 'telecart/v1/gw/cart-a/rtc/sideways')).toBe(false);
  });

  it('a gateway subscribes only to its own ack, cmd and rtc/down', () => {
    expect(maySubscribe(gwA, topics.rtcDown('cart-a'))).toBe(true);
    expect(maySubscribe(gwA, topics.ack('cart-a'))).toBe(true);
    expect(maySubscribe(gwB, topics.rtcDown('cart-a'))).toBe(false);
    // The cart's day: its own only (another cart's patients and document links are not for it).
    expect(maySubscribe(gwA, topics.agenda('cart-a'))).toBe(true);
    expect(maySubscribe(gwB, topics.agenda('cart-a'))).toBe(false);
    expect(maySubscribe(gwA, 'telecart/v1/gw/+/agenda')).toBe(false);
    expect(maySubscribe(gwA, topics.patients('cart-a'))).toBe(true);
    expect(maySubscribe(gwB, topics.patients('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.patients('cart-a'))).toBe(false);
    expect(maySubscribe(gwA, topics.rtcUp('cart-a'))).toBe(false);
    for (const f of [
      'telecart/v1/gw/+/rtc/down',
      'telecart/v1/gw/cart-a/rtc/+',
      'telecart/v1/gw/cart-a/#',
      `$share/g/${topics.rtcDown('cart-a')}`,
    ])
      expect(maySubscribe(gwA, f), f).toBe(false);
  });

  it('the signaling relay reads every rtc/up and status and writes every rtc/down, nothing else', () => {
    expect(maySubscribe(signaling, topics.allRtcUp())).toBe(true);
    // The carts' statuses: when a cart is back after a cloud restart (its acts are told to it again).
    expect(maySubscribe(signaling, topics.allStatuses())).toBe(true);
    expect(maySubscribe(signaling, `$share/x/${topics.allStatuses()}`)).toBe(false);
    expect(mayPublish(signaling, topics.status('cart-a'))).toBe(false);
    expect(mayPublish(signaling, topics.rtcDown('cart-a'))).toBe(true);
    expect(mayPublish(signaling, topics.agenda('cart-a'))).toBe(true);
    expect(mayPublish(signaling, 'telecart/v1/gw/+/agenda')).toBe(false);
    expect(mayPublish(ingest, topics.agenda('cart-a'))).toBe(false);
    expect(mayPublish(signaling, topics.patients('cart-a'))).toBe(true);
    expect(mayPublish(ingest, topics.patients('cart-a'))).toBe(false);
    expect(mayPublish(signaling, topics.rtcUp('cart-a'))).toBe(false);
    expect(mayPublish(signaling, topics.ack('cart-a'))).toBe(false);
    expect(mayPublish(signaling, 'telecart/v1/gw/+/rtc/down')).toBe(false);
    expect(maySubscribe(signaling, topics.allUplinks())).toBe(false);
    expect(maySubscribe(signaling, `$share/x/${topics.allRtcUp()}`)).toBe(false);
    expect(maySubscribe(signaling, 'telecart/v1/gw/+/rtc/down')).toBe(false);
    // The ingest gets no signaling rights.
    expect(maySubscribe(ingest, topics.allRtcUp())).toBe(false);
    expect(mayPublish(ingest, topics.rtcDown('cart-a'))).toBe(false);
  });

  it('the nurse list and the full sign-in: a cart reads only its own list and answers, writes only its own requests', () => {
    expect(maySubscribe(gwA, topics.nurses('cart-a'))).toBe(true);
    expect(maySubscribe(gwB, topics.nurses('cart-a'))).toBe(false);
    expect(maySubscribe(gwA, 'telecart/v1/gw/+/nurses')).toBe(false);
    expect(maySubscribe(gwA, topics.nurseDown('cart-a'))).toBe(true);
    expect(maySubscribe(gwB, topics.nurseDown('cart-a'))).toBe(false);
    expect(maySubscribe(gwA, topics.nurseUp('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.nurseUp('cart-a'))).toBe(true);
    expect(mayPublish(gwB, topics.nurseUp('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.nurses('cart-a'))).toBe(false);
    expect(mayPublish(gwA, topics.nurseDown('cart-a'))).toBe(false);
    // Only the cloud's signaling identity publishes the lists and answers, and reads the requests.
    expect(mayPublish(signaling, topics.nurses('cart-a'))).toBe(true);
    expect(mayPublish(signaling, topics.nurseDown('cart-a'))).toBe(true);
    expect(mayPublish(signaling, topics.nurseUp('cart-a'))).toBe(false);
    expect(maySubscribe(signaling, topics.allNurseUp())).toBe(true);
    expect(mayPublish(ingest, topics.nurses('cart-a'))).toBe(false);
    expect(maySubscribe(ingest, topics.allNurseUp())).toBe(false);
    const acl = mosquittoAcl([]);
    expect(acl).toContain(
      `topic read telecart/v1/gw/+/nurse/up\ntopic write telecart/v1/gw/+/nurses\ntopic write telecart/v1/gw/+/nurse/down`,
    );
    expect(acl).toContain(
      'pattern read telecart/v1/gw/%u/nurses\npattern write telecart/v1/gw/%u/nurse/up\npattern read telecart/v1/gw/%u/nurse/down',
    );
  });

  it('writes the same rules as a Mosquitto ACL', () => {
    const acl = mosquittoAcl(['telecart-cloud:ingest:0'], ['cart-z']);
    for (const service of SIGNALING_SERVICES) expect(identityFromCn(signalingCommonName(service)).role).toBe('signaling');
    expect(identityFromCn(signalingCommonName('relay', 'b'))).toEqual({ role: 'signaling', name: 'telecart-cloud:signaling:b:relay' });
    expect(identityFromCn(ingestCommonName(1, 'b'))).toEqual({ role: 'ingest', name: 'telecart-cloud:ingest:b:1' });
    // Several instances on one Mosquitto: each one's users, with the same rights.
    const users = cloudUsers(2, [undefined, 'b']);
    expect(users.ingestUsers).toEqual([
      'telecart-cloud:ingest:0',
      'telecart-cloud:ingest:1',
      'telecart-cloud:ingest:b:0',
      'telecart-cloud:ingest:b:1',
    ]);
    expect(users.signalingUsers).toHaveLength(8);
    const shared = mosquittoAcl(users.ingestUsers, [], users.signalingUsers);
    expect(shared).toContain('user telecart-cloud:signaling:b:nurses\ntopic read telecart/v1/gw/+/rtc/up');
    expect(shared).toContain('user telecart-cloud:ingest:b:1\ntopic read telecart/v1/gw/+/up/+');
    expect(() => cloudUsers(1, ['Site A'])).toThrow(/instance name "Site A"/);
    expect(acl).toContain(
      `user ${signalingCommonName('agenda')}\ntopic read telecart/v1/gw/+/rtc/up\ntopic read telecart/v1/gw/+/status\ntopic write telecart/v1/gw/+/rtc/down\ntopic write telecart/v1/gw/+/agenda\ntopic write telecart/v1/gw/+/patients\n`,
    );
    expect(acl).toContain(
      'pattern write telecart/v1/gw/%u/rtc/up\npattern read telecart/v1/gw/%u/rtc/down\npattern read telecart/v1/gw/%u/agenda\npattern read telecart/v1/gw/%u/patients',
    );
    expect(acl).toContain('user cart-z\ntopic deny telecart/v1/#');
  });
});
