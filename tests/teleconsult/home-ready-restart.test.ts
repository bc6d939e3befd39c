/**
 * A home patient's `ready` naming the peer their page holds, across a real crash of the cloud, in both
 * orders of the two pages coming back (docs/teleconsultation.md, « The conversation after admission »): the
 * built CLI runs the cloud (SQLite file) as a child process, SIGKILLed and started again on the same store and
 * ports; the specialist's page and the patient's page are WebSockets of the test, saying what the real pages say.
 *   - the patient's page back first: let in at once, it says `ready` with its peer's id while no page talks
 *     with them; the cloud keeps it as said, and the specialist's page, back next, gets it with that id (so it
 *     keeps the peer both browsers still hold: no new offer). The order that lost the id
 *     (room-restart.browser.test.ts, the home act: the `ready` naming the peer never reached the page);
 *   - the specialist's page back first: the patient's `ready` reaches it with the id too, whether the relay
 *     had given them the page yet or kept the `ready` meanwhile.
 */
import { expect, it } from 'vitest';
import { cloudChildDir } from '../support/cloud-child.js';
import type { ParticipantSocket } from './participant-support.js';
import {
  admitHomePatient,
  CART_PATIENT,
  childCloudScope,
  homeActSockets,
  openedHomeAct,
  startRoomRestartCloud,
} from './room-restart-support.js';
import type { Json, PageSocket } from './support.js';

const scope = childCloudScope();
const { closing } = scope;

/** The peer both browsers hold across the restarts (its id is the patient's page's word; the cloud only carries it). */
const HELD = { kind: 'ready', pc: 'pc-held-1' };

it('the patient’s `ready` naming the peer they hold reaches the specialist’s page after a restart, whichever page is back first', {
  timeout: 120_000,
}, async () => {
  scope.dir = await cloudChildDir('home-ready-restart');
  const folder = scope.dir;
  const started = await startRoomRestartCloud(folder, CART_PATIENT, { home: true });
  scope.cloud = started.cloud;
  const { blanc } = started;
  const http = () => String(scope.cloud?.info.httpUrl);
  const act = await openedHomeAct(folder, http(), blanc, 10);

  const sockets = homeActSockets(http, blanc, act, closing);
  /** A page of Dr Blanc's, once the cloud attached it (its `hello`). */
  const page = async () => {
    const p = await sockets.page();
    await p.next((m) => m.type === 'hello');
    return p;
  };
  /** The patient's socket, let in (at once after the first admission: `admitted` is its first message). */
  const patient = sockets.patient;
  const readyAt = (p: PageSocket, from = 0) =>
    p.next((m) => m.type === 'participant-signal' && (m.signal as Json).kind === 'ready', from) as Promise<Json & { signal: Json }>;
  const crash = async () => {
    await scope.cloud?.kill('SIGKILL');
    scope.cloud = await folder.start();
  };

  // The act in progress: the patient let in, their page's first `ready` (no peer yet) reaches the page.
  const doctor = await page();
  const p1: ParticipantSocket = await patient();
  await admitHomePatient(doctor, p1, act.id);
  p1.send({ type: 'signal', signal: { kind: 'ready' } });
  expect((await readyAt(doctor)).signal).toEqual({ kind: 'ready' });

  // 1. The patient's page back first: let in at once, its `ready` finds no page.
  await crash();
  const p2 = await patient();
  expect(await p2.next(() => true)).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  p2.send({ type: 'signal', signal: HELD });
  // Taken in order on the socket: once the media state after it is refused, the `ready` was kept (not refused: no error before).
  p2.send({ type: 'signal', signal: { kind: 'media', mic: true, camera: true } });
  const refused = await p2.next((m) => m.type === 'error');
  expect(refused.message).toBe('the specialist is not connected');
  expect(p2.got.filter((m) => m.type === 'error')).toHaveLength(1);
  const doctor2 = await page();
  const admitted2 = await doctor2.next((m) => m.type === 'participant-admitted');
  const ready2 = await readyAt(doctor2);
  expect(ready2).toMatchObject({ sessionId: act.id, participantId: admitted2.participantId });
  expect(ready2.signal).toEqual(HELD);
  expect(doctor2.received.indexOf(admitted2)).toBeLessThan(doctor2.received.indexOf(ready2));
  // The `ready` was given: the patient's page is not asked to say it again.
  expect(p2.got.some((m) => m.type === 'specialist-back')).toBe(false);

  // 2. The specialist's page back first, then the patient's: its `ready` with the id reaches the page.
  await crash();
  const doctor3 = await page();
  const p3 = await patient();
  expect(await p3.next(() => true)).toEqual({ type: 'admitted', by: 'Dr Marc Blanc' });
  p3.send({ type: 'signal', signal: HELD });
  const ready3 = await readyAt(doctor3);
  expect(ready3.signal).toEqual(HELD);
  expect(ready3.participantId).toBe((await doctor3.next((m) => m.type === 'participant-admitted')).participantId);
});
