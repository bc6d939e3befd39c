/**
 * E-mail through SMTP with nodemailer. The Message-ID is derived from the outbox row, so a message
 * sent twice (a crash after the server accepted it, before the row was settled) arrives with the
 * same Message-ID both times: mail clients and archives can recognise the copy.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from './config.js';
import { type EmailSender, type OutgoingEmail, type SendResult, TransportError } from './transport.js';

export function messageIdOf(outboxId: string, from: string): string {
  return `<${outboxId}@${from.slice(from.lastIndexOf('@') + 1)}>`;
}

/** Reply codes 5xx are the server's final refusal of this message (RFC 5321 §4.2.1); the rest may pass later. */
function classify(err: unknown): TransportError {
  const e = err as { responseCode?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const message = `SMTP: ${String(e.message ?? err)}`;
  // A refused login is the operator's to fix: retried, so the message goes once it is fixed.
  const permanent = code !== null && code >= 500 && code < 600 && e.code !== 'EAUTH';
  return new TransportError(message, permanent);
}

export function smtpSender(c: SmtpConfig, env: NodeJS.ProcessEnv = process.env): EmailSender {
  const password = c.passwordEnv === undefined ? undefined : env[c.passwordEnv];
  if (c.passwordEnv !== undefined && (password === undefined || password === ''))
    throw new Error(`outbox.email.passwordEnv: environment variable ${c.passwordEnv} is not set`);
  const transport = nodemailer.createTransport({
    // One connection kept open and reused: a new SMTP session (TCP, greeting, STARTTLS, login) per
    // message is what bounded the rate (docs/notifications.md, figures).
    pool: true,
    maxConnections: 1,
    host: c.host,
    port: c.port,
    secure: c.tls === 'implicit',
    requireTLS: c.tls === 'starttls',
    ignoreTLS: c.tls === 'none',
    ...(c.caFile !== undefined ? { tls: { ca: readFileSync(c.caFile) } } : {}),
    ...(c.user !== undefined ? { auth: { user: c.user, ...(password !== undefined ? { pass: password } : {}) } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  const from = { name: c.fromName ?? 'Telecart', address: c.from };
  return {
    async send(m: OutgoingEmail): Promise<SendResult> {
      const messageId = messageIdOf(m.id, c.from);
      let info: { rejected?: unknown[]; messageId?: string };
      try {
        info = await transport.sendMail({
          from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          messageId,
          ...(m.calendar ? { icalEvent: { method: m.calendar.method, content: m.calendar.ics, filename: 'invitation.ics' } } : {}),
        });
      } catch (err) {
        throw classify(err);
      }
      if ((info.rejected?.length ?? 0) > 0) throw new TransportError(`SMTP: recipient ${m.to} refused`, true);
      return { providerRef: messageId };
    },
    close: () => transport.close(),
  };
}
