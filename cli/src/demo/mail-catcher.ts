/**
 * The demo's mail catcher: a real SMTP server and a stand-in of Brevo's SMS API on loopback, so
 * the invitations, reminders and links the demo's cloud sends through its outbox can be read on
 * this machine instead of leaving it. What it receives is kept in memory, the newest `max` only;
 * the mailbox page (mailbox-http.ts) shows it. Demo only: no login, no TLS, loopback only.
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface CaughtMessage {
  /** 1, 2, 3… in the order received (never reused, even after older ones were dropped). */
  id: number;
  kind: 'email' | 'sms';
  receivedAt: Date;
  from: string;
  to: string[];
  /** The e-mail's subject; an SMS has none (''). */
  subject: string;
  text: string;
  attachments: CaughtAttachment[];
}

/** The newest `max` messages, in memory. */
export class Mailbox {
  private readonly items: CaughtMessage[] = [];
  private next = 1;
  /** How many older messages were dropped to stay within `max`. */
  dropped = 0;

  constructor(
    readonly max: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`mail catcher: max must be a positive integer, not ${max}`);
  }

  add(m: Omit<CaughtMessage, 'id' | 'receivedAt'>): CaughtMessage {
    const caught = { ...m, id: this.next++, receivedAt: this.now() };
    this.items.push(caught);
    while (this.items.length > this.max) {
      this.items.shift();
      this.dropped++;
    }
    return caught;
  }

  /** Newest first. */
  list(): readonly CaughtMessage[] {
    return [...this.items].reverse();
  }

  get(id: number): CaughtMessage | undefined {
    return this.items.find((m) => m.id === id);
  }
}

function addresses(a: ParsedMail['to'] | ParsedMail['from']): string[] {
  if (a === undefined) return [];
  return (Array.isArray(a) ? a : [a]).flatMap((o) => o.value.map((v) => v.address ?? v.name)).filter((s) => s !== '');
}

/** A parsed e-mail as the mailbox keeps it: the text part (the outbox sends text only) and the attachments, the .ics included. */
export function caughtEmail(mail: ParsedMail): Omit<CaughtMessage, 'id' | 'receivedAt'> {
  return {
    kind: 'email',
    from: addresses(mail.from).join(', '),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    text: mail.text ?? '',
    attachments: mail.attachments.map((a, i) => ({
      filename: a.filename ?? (a.contentType === 'text/calendar' ? 'invitation.ics' : `attachment-${i + 1}`),
      contentType: a.contentType,
      content: a.content,
    })),
  };
}

export interface SmtpCatcher {
  port: number;
  close(): Promise<void>;
}

/** Largest message accepted (a reminder with its .ics is a few kB). */
const MAX_MESSAGE_BYTES = 1_000_000;

/** An SMTP server on `host` (loopback) that puts every message it accepts in `mailbox`; port 0: any free one. */
export async function startSmtpCatcher(
  mailbox: Mailbox,
  o: { host: string; port: number; onError?: (e: Error) => void },
): Promise<SmtpCatcher> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    disableReverseLookup: true,
    banner: 'telecart demo mail catcher (nothing leaves this machine)',
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // smtp-server announces the limit; a client that ignores it is refused here, with the reason.
        if (stream.sizeExceeded) {
          cb(Object.assign(new Error(`message larger than ${MAX_MESSAGE_BYTES} bytes refused`), { responseCode: 552 }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            mailbox.add(caughtEmail(mail));
            cb();
          },
          (err: Error) => cb(Object.assign(new Error(`unreadable message refused: ${err.message}`), { responseCode: 554 })),
        );
      });
    },
  });
  // A broken client connection is logged, never fatal: the demo goes on.
  server.on('error', (e: Error) => o.onError?.(e));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('mail catcher: the SMTP server did not bind a TCP port');
  return { port: addr.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
