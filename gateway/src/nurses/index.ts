export { BadgeReader, type BadgeReaderOptions } from './badge-reader.js';
export { CloudUnreachable, FullSignIn } from './full-sign-in.js';
export { PIN_LOG_N, pinMatches, pinProblem, pinVerifier } from './pin.js';
export { badgeHash, MAX_PIN_FAILURES, NurseRoster, type PinOutcome } from './roster.js';
export { type BadgeEvent, cookieValue, NURSE_COOKIE, NurseSessions, type SignedInNurse, TAP_VALID_MS } from './sessions.js';
