/**
 * A home act with a guest across a crash of the cloud (docs/conversation.md, « Across a cloud restart »): the
 * built CLI runs the cloud (SQLite file) as a child process, SIGKILLed mid-act and started again on the same
 * store and ports. The specialist's page, the home patient's and the guest's are WebSockets of the test, and werift
 * plays each page's peer connection with the act's room, as the pages do: an offer on each `unit-ready`.
 *   before: the patient let in, the guest let in (the room opens), the three in the room, voices both ways;
 *   a crash; the three come back in the order that lost the patient: the guest's socket first (it rebuilds the
 *   room while no page of the specialist is open), then the patient's (let in again at once, still no page), then
 *   the specialist's page; a second crash, the patient first (its return rebuilds the room), the page, the guest;
 *   after each: each is told `unit-ready` once, the three offers are answered by the rebuilt room, each is told who its slots
 *   carry as before the crash (the patient's never the specialist: their direct call carries them), the patient is
 *   told the specialist's room peer is up, and the voices go through the unit again, each on the slot labelled
 *   with its speaker; the audit trail has the room reopened and both back in it, no waiting room.
 */
import { expect, it } from 'vitest';
import { type UnitPagePeer, unitPagePeer } from '../../cloud/src/testing/unit-page-peer.js';
import { cloudChildDir } from '../support/cloud-child.js';
import type { ServiceChild } from '../support/service-child.js';
import { waitFor } from '../support/wait.js';
import { openGuestLink, type ParticipantSocket, participantSocket } from './participant-support.js';
import {
  admitHomePatient,
  CART_PATIENT,
  childCloudScope,
  HOME_PATIENT,
  homeActSockets,
  openedHomeAct,
  startRoomRestartCloud,
} from './room-restart-support.js';
import type { Json, PageSocket } from './support.js';

const GUEST = 'Paul, petit-fils';
const PATIENT = `${HOME_PATIENT.given} ${HOME_PATIENT.family}`;
const DOCTOR = 'Dr Marc Blanc';

type Slots = { participantId: string | null; name: string | null; audioMid: string | null }[];

const scope = childCloudScope();
const { closing } = scope;

/** One party in the room: how its page's messages are read and sent, and its werift peer. */
interface Party {
  who: string;
  got: () => Json[];
  send: (m: Json) => void;
  peer: UnitPagePeer;
}

const lastSlots = (ms: Json[]) => [...ms].reverse().find((m) => m.type === 'unit-slots')?.slots as Slots | undefined;
const named = (slots: Slots | undefined) => (slots ?? []).flatMap((s) => (s.name === null ? [] : [s.name])).sort();

/**
 * Each party offers (its page did on `unit-ready`) and takes the unit's answer; each is told who its slots carry;
 * each connects; then each speaker's voice reaches each listener on the slot labelled with the speaker.
 */
async function roomUp(parties: Party[], expected: Record<string, string[]>, voices: [speaker: string, listener: string][]) {
  for (const p of parties) {
    const from = p.got().length;
    p.send({ type: 'unit-offer', sdp: p.peer.offer });
    const answer = await waitFor(
      () =>
        p
          .got()
          .slice(from)
          .find((m) => m.type === 'unit-answer'),
      { what: `the unit's answer to ${p.who}` },
    );
    await p.peer.pc.setRemoteDescription({ type: 'answer', sdp: String(answer.sdp) });
  }
  for (const p of parties) {
    const want = expected[p.who] ?? [];
    await waitFor(() => JSON.stringify(named(lastSlots(p.got()))) === JSON.stringify(want) || undefined, {
      what: `${p.who}'s slots labelled ${want.join(', ')} (last: ${named(lastSlots(p.got())).join(', ')})`,
    });
    await waitFor(() => p.peer.pc.connectionState === 'connected' || undefined, {
      what: `${p.who} connected to the room`,
      timeoutMs: 30_000,
    });
  }
  const by = new Map(parties.map((p) => [p.who, p]));
  let seq = 1;
  for (const [speaker, listener] of voices) {
    const s = by.get(speaker);
    const l = by.get(listener);
    if (!s || !l) throw new Error(`no party ${speaker} or ${listener}`);
    const mid = lastSlots(l.got())?.find((x) => x.name === speaker)?.audioMid;
    const slot = l.peer.pc.getTransceivers().find((t) => t.mid === mid);
    let heard = 0;
    for (const track of slot?.receiver.tracks ?? []) track.onReceiveRtp.subscribe(() => heard++);
    await waitFor(
      () => {
        s.peer.say(seq++);
        return heard > 5 || undefined;
      },
      { what: `${speaker}'s voice at ${listener} through the room` },
    );
  }
}

it('a home act with a guest: after a SIGKILL, whichever of the guest, the patient and the specialist comes back first, all three are in the rebuilt room and hear each other', {
  timeout: 150_000,
}, async () => {
  scope.dir = await cloudChildDir('home-guest-crash');
  const folder = scope.dir;
  const started = await startRoomRestartCloud(folder, CART_PATIENT, { home: true });
  const first = started.cloud;
  scope.cloud = first;
  const { auditor, blanc } = started;
  const http = () => String(scope.cloud?.info.httpUrl);
  const act = await openedHomeAct(folder, http(), blanc, 10);

  const { page, patient } = homeActSockets(http, blanc, act, closing);
  let guestLink: { url: URL; cookie: string } | undefined;
  const guest = async () => {
    if (!guestLink) throw new Error('no guest invited yet');
    const s = await participantSocket(http(), guestLink.url, guestLink.cookie);
    if (typeof s === 'number') throw new Error(`the guest's socket refused: ${s}`);
    closing.push(() => s.ws.close());
    return s;
  };
  const peer = async () => {
    const p = await unitPagePeer(3);
    closing.push(() => p.pc.close());
    return p;
  };
  const parties = async (doctor: PageSocket, p: ParticipantSocket, g: ParticipantSocket): Promise<Party[]> => [
    {
      who: DOCTOR,
      got: () => doctor.received.filter((m) => m.sessionId === act.id),
      send: (m) => doctor.send({ ...m, sessionId: act.id }),
      peer: await peer(),
    },
    { who: PATIENT, got: () => p.got, send: (m) => p.send(m), peer: await peer() },
    { who: GUEST, got: () => g.got, send: (m) => g.send(m), peer: await peer() },
  ];
  // Who each one's slots carry: the room never carries the specialist to the patient (their direct call does).
  const slots = { [DOCTOR]: [GUEST, PATIENT].sort(), [PATIENT]: [GUEST], [GUEST]: [DOCTOR, PATIENT].sort() };
  const voices: [string, string][] = [
    [PATIENT, GUEST],
    [PATIENT, DOCTOR],
    [GUEST, PATIENT],
    [GUEST, DOCTOR],
    [DOCTOR, GUEST],
  ];
  const trail = async () => {
    const r = await fetch(`${http()}/api/audit?session=${act.id}`, { headers: { cookie: auditor } });
    return ((await r.json()) as { events: { action: string; detail: string | null }[] }).events;
  };

  // The act in progress: the patient let in, then the guest (the act's room opens); the three in the room.
  const doctor = await page();
  const p1 = await patient();
  await admitHomePatient(doctor, p1, act.id);
  // Invited by the specialist who joined the act, once it is in progress.
  guestLink = await openGuestLink(http(), blanc, act.id, GUEST);
  const g1 = await guest();
  await g1.next((m) => m.type === 'waiting');
  const list = await doctor.next(
    (m) => m.type === 'participants' && (m.participants as Json[]).some((x) => x.name === GUEST && x.state === 'waiting'),
  );
  doctor.send({ type: 'admit', sessionId: act.id, participantId: (list.participants as Json[]).find((x) => x.name === GUEST)?.id });
  await g1.next((m) => m.type === 'unit-ready');
  await p1.next((m) => m.type === 'unit-ready');
  await doctor.next((m) => m.type === 'unit-ready' && m.sessionId === act.id);
  await roomUp(await parties(doctor, p1, g1), slots, voices);
  // Everything written before the crash (the relay's writes are in order: the joins' lines after the room's row).
  await waitFor(async () => (await trail()).filter((e) => e.action.endsWith('-media-joined')).length === 2 || undefined, {
    what: 'both joins stored',
  });

  // Two crashes, the three back in two orders: the one that lost the patient (the guest rebuilds the room while no page
  // of the specialist's is open, the patient is back before the page), then the patient first (it rebuilds the room).
  const orders: ('guest' | 'patient' | 'page')[][] = [
    ['guest', 'patient', 'page'],
    ['patient', 'page', 'guest'],
  ];
  let dying: ServiceChild = first;
  for (const order of orders) {
    await dying.kill('SIGKILL');
    await scope.closeOpened();
    dying = await folder.start();
    scope.cloud = dying;
    const back: { page?: PageSocket; patient?: ParticipantSocket; guest?: ParticipantSocket } = {};
    for (const who of order) {
      if (who === 'page') {
        back.page = await page();
        await back.page.next((m) => m.type === 'unit-ready' && m.sessionId === act.id);
      } else {
        // Let in again at once (the act taken back at start), in the order given: each is in before the next comes.
        const s = who === 'guest' ? await guest() : await patient();
        back[who] = s;
        expect(await s.next(() => true), `${order.join(' → ')}: ${who} let in`).toEqual({ type: 'admitted', by: DOCTOR });
      }
    }
    const { page: doctor2, patient: p2, guest: g2 } = back;
    if (!doctor2 || !p2 || !g2) throw new Error('not all three back');
    const readies = {
      guest: () => g2.got.filter((m) => m.type === 'unit-ready'),
      patient: () => p2.got.filter((m) => m.type === 'unit-ready'),
      page: () => doctor2.received.filter((m) => m.type === 'unit-ready' && m.sessionId === act.id),
    };
    // Each told to offer into the rebuilt room (their pages wait for it: their room closed with the socket).
    for (const [who, got] of Object.entries(readies))
      await waitFor(() => got().length > 0 || undefined, { what: `${order.join(' → ')}: ${who} told to offer`, timeoutMs: 15_000 });

    await roomUp(await parties(doctor2, p2, g2), slots, voices);
    // The specialist's room peer is up: the patient's page may hold its direct senders (the room carries them).
    await waitFor(() => p2.got.filter((m) => m.type === 'unit-specialist').at(-1)?.inRoom === true || undefined, {
      what: 'the patient told the specialist is in the room',
    });
    // Told once each: a second `unit-ready` makes a page drop the peer it just made and offer again.
    for (const [who, got] of Object.entries(readies)) expect(got(), `${order.join(' → ')}: ${who}'s unit-ready`).toHaveLength(1);
  }

  const lines = await waitFor(
    async () => {
      const all = await trail();
      const after = all.slice(all.map((e) => e.action).lastIndexOf('restart'));
      return after.filter((e) => e.action.endsWith('-media-joined')).length === 2 ? after : undefined;
    },
    { what: 'the rejoins in the audit trail' },
  );
  const actions = lines.map((e) => e.action);
  expect(actions).toEqual(
    expect.arrayContaining(['unit-room-reopened', 'participant-rejoined', 'guest-media-joined', 'patient-media-joined']),
  );
  expect(actions.filter((a) => a === 'participant-waiting')).toEqual([]);
});
