/**
 * Test hook for crash tests, off unless the environment asks for it: with
 * TELECART_TEST_KILL_AT=<point> the cloud SIGKILLs itself the first time it reaches that point,
 * so a test can crash it exactly between two steps that a real crash could separate.
 *   alert-evaluation  a reading is committed, its alert evaluation not yet done
 *   alert-judged      the evaluation and its alerts are committed, the live listeners not yet told
 *   outbox-enqueued   an alert's notifications are committed to the outbox, none sent yet
 *   outbox-sent       a message was accepted by its transport, not yet recorded as sent
 *   home-media-said   a page said it decoded the other side of a home act, nothing of it written yet
 *   home-media-kept   that half is committed, the page not yet told
 *   home-media-up     both halves are committed, the act's media up not yet written
 * Never set it in production: the process dies without cleanup, as on a power cut.
 */
export type KillPoint =
  | 'alert-evaluation'
  | 'alert-judged'
  | 'outbox-enqueued'
  | 'outbox-sent'
  | 'home-media-said'
  | 'home-media-kept'
  | 'home-media-up';

const armed = process.env.TELECART_TEST_KILL_AT;

export function killPoint(point: KillPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
