/**
 * The durable outbox (migration 12): e-mails and SMS written in the same transaction as what
 * causes them, sent by cloud/src/outbox/sender.ts. Also the escalation state of alert
 * notifications (one row per alert still to escalate). docs/notifications.md.
 */
import { type Static, Type } from '@sinclair/typebox';

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What a message says. Validated again when read back from the store (a row is a trust boundary). */
export const OutboxPayload = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('email'),
      subject: Type.String({ minLength: 1, maxLength: 500 }),
      text: Type.String({ maxLength: 100_000 }),
      /** An iCalendar object sent as text/calendar with this METHOD (invitations). */
      calendar: Type.Optional(
        Type.Object(
          { method: Type.Union([Type.Literal('REQUEST'), Type.Literal('CANCEL')]), ics: Type.String({ maxLength: 100_000 }) },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('sms'), text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
]);
export type OutboxPayload = Static<typeof OutboxPayload>;
export type OutboxChannel = OutboxPayload['kind'];

export interface OutboxInput {
  /** Same key, same message: a second enqueue of it (a replay, a retried transaction) adds nothing. */
  idempotencyKey: string;
  /** What the message is about (e.g. `alert:<id>`): cancelOutbox(topic) withdraws the unsent ones. */
  topic: string;
  /** An e-mail address or an E.164 phone number, as the payload's channel needs. */
  recipient: string;
  payload: OutboxPayload;
  /** Not sent before this time (quiet hours, reminders). */
  notBefore: Date;
}

export interface OutboxMessage {
  id: string;
  idempotencyKey: string;
  topic: string;
  recipient: string;
  payload: OutboxPayload;
  status: OutboxStatus;
  /** Sending attempts started (a lease counts as one, even if the process died during it). */
  attempts: number;
  notBefore: string;
  createdAt: string;
  settledAt: string | null;
  lastError: string | null;
  /** The transport's id of the sent message (SMTP Message-ID, the SMS provider's message id). */
  providerRef: string | null;
}

/** A message taken for sending: `leaseToken` settles it; another sender takes it after the lease ends. */
export interface OutboxLease extends OutboxMessage {
  leaseToken: string;
}

export type OutboxSettlement =
  | { outcome: 'sent'; at: Date; providerRef: string | null }
  | { outcome: 'retry'; at: Date; error: string; retryAt: Date }
  | { outcome: 'failed'; at: Date; error: string };

export interface OutboxQuery {
  topic?: string;
  status?: OutboxStatus;
  limit?: number;
}

/** An alert whose next notification level is due at `dueAt` (migration 12). */
export interface AlertEscalation {
  alertId: string;
  /** The level to notify next (1 = first contacts). */
  level: number;
  dueAt: Date;
}

/** One escalation step: the messages of `fromLevel`, then the next level and when (or none: done). */
export interface EscalationStep {
  alertId: string;
  fromLevel: number;
  messages: readonly OutboxInput[];
  next: { level: number; dueAt: Date } | null;
}
