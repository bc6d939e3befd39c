/**
 * The browser's answer does not answer the offer (malformed input: the session waits for a good
 * one). Apart from media-session.ts so that catching it does not load werift.
 */
export class BadAnswerError extends Error {
  constructor(reason: string) {
    super(`SDP answer refused: ${reason}`);
    this.name = 'BadAnswerError';
  }
}
