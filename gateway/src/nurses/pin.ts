/** The PIN verifier code is shared with the cloud (an administrator may set a nurse's PIN there). */
export { PIN_LOG_N, pinMatches, pinProblem, pinVerifier } from '@telecart/protocol';
