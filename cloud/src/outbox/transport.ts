/** What the sender loop hands a transport, and how a transport says a failure is for good. */

export interface OutgoingEmail {
  /** The outbox row id: the same on every attempt, so it names the Message-ID. */
  id: string;
  to: string;
  subject: string;
  text: string;
  calendar?: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

export interface OutgoingSms {
  id: string;
  /** E.164, e.g. +33612345678. */
  to: string;
  text: string;
}

export interface SendResult {
  /** The transport's id of what it accepted (Message-ID, provider message id). */
  providerRef: string | null;
}

export interface EmailSender {
  send(m: OutgoingEmail): Promise<SendResult>;
  close(): void;
}

export interface SmsSender {
  send(m: OutgoingSms): Promise<SendResult>;
}

/** A send that failed: `permanent` ones are recorded as failed at once, the others retried. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}
