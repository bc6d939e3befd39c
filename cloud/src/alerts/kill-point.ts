/**
 * Test hook for crash tests, off unless the environment asks for it: with
 * TELECART_TEST_KILL_AT=<point> the cloud SIGKILLs itself the first time it reaches that point,
 * so a test can crash it exactly between two steps that a real crash could separate.
 *   alert-evaluation  a reading is committed, its alert evaluation not yet done
 *   alert-judged      the evaluation and its alerts are committed, the live listeners not yet told
 *   outbox-enqueued   an alert's notifications are committed to the outbox, none sent yet
 *   outbox-sent       a message was accepted by its transport, not yet recorded as sent
 * Never set it in production: the process dies without cleanup, as on a power cut.
 */
export type KillPoint = 'alert-evaluation' | 'alert-judged' | 'outbox-enqueued' | 'outbox-sent';

const armed = process.env.TELECART_TEST_KILL_AT;

export function killPoint(point: KillPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
