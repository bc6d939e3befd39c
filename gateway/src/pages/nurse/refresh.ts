/**
 * How often the nurse page reads the cart's day again on its own: only while its event stream is
 * down, since the gateway pushes each new day (`agenda` event on /api/events). Shared with the
 * tests, which check that what they see came by the stream, not by this poll.
 */
export const AGENDA_FALLBACK_MS = 5 * 60_000;
