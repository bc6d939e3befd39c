/**
 * The mail catcher's web side, on loopback: the mailbox page (read-only: the list, each message
 * with its links clickable, its attachments downloadable) and a stand-in of Brevo's transactional
 * SMS endpoint (POST /sms), so the demo's SMS land in the same mailbox. The SMS stand-in checks the
 * run's API key and the body as Brevo documents it, and answers as Brevo does (201 {messageId}).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isLang, type Lang } from '@telecart/ui';
import { mailboxCsp, renderMailboxList, renderMailboxMessage } from '../pages/mailbox/page.js';
import type { Mailbox } from './mail-catcher.js';

/** Brevo's POST /v3/transactionalSMS/send body, as cloud/src/outbox/brevo-sms.ts sends it. */
const BrevoSms = Type.Object({
  sender: Type.String({ minLength: 1, maxLength: 15 }),
  recipient: Type.String({ pattern: '^[1-9][0-9]{6,14}$' }),
  content: Type.String({ minLength: 1, maxLength: 2000 }),
  type: Type.Optional(Type.Union([Type.Literal('transactional'), Type.Literal('marketing')])),
  tag: Type.Optional(Type.String({ maxLength: 256 })),
  unicodeEnabled: Type.Optional(Type.Boolean()),
});
type BrevoSms = Static<typeof BrevoSms>;

const MAX_BODY = 64 * 1024;

export interface MailboxHttp {
  url: string;
  /** The Brevo stand-in's endpoint (outbox.sms.url). */
  smsUrl: string;
  close(): Promise<void>;
}

function langOf(req: IncomingMessage, url: URL): Lang {
  const q = url.searchParams.get('lang');
  if (q !== null && isLang(q)) return q;
  return /^en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'fr';
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An attachment's file name as a header value: the name's safe characters only. */
function safeFilename(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return cleaned === '' ? 'attachment' : cleaned;
}

async function receiveSms(req: IncomingMessage, res: ServerResponse, mailbox: Mailbox, apiKey: string): Promise<void> {
  if (req.headers['api-key'] !== apiKey) {
    sendJson(res, 401, { code: 'unauthorized', message: 'Key not found (the demo run’s api-key header is expected)' });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (e) {
    sendJson(res, 400, { code: 'invalid_parameter', message: `body is not JSON: ${(e as Error).message}` });
    return;
  }
  if (!Value.Check(BrevoSms, body)) {
    const first = Value.Errors(BrevoSms, body).First();
    sendJson(res, 400, { code: 'invalid_parameter', message: `${first?.path || 'body'}: ${first?.message ?? 'invalid'}` });
    return;
  }
  const sms: BrevoSms = body;
  const caught = mailbox.add({ kind: 'sms', from: sms.sender, to: [`+${sms.recipient}`], subject: '', text: sms.content, attachments: [] });
  sendJson(res, 201, { messageId: caught.id });
}

async function handle(req: IncomingMessage, res: ServerResponse, mailbox: Mailbox, apiKey: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://mailbox.invalid');
  if (url.pathname === '/sms') {
    if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only', { allow: 'POST' });
    return receiveSms(req, res, mailbox, apiKey);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain; charset=utf-8', 'the mailbox is read-only', { allow: 'GET, HEAD' });
  const lang = langOf(req, url);
  const page = (status: number, html: string) =>
    send(res, status, 'text/html; charset=utf-8', html, { 'content-security-policy': mailboxCsp() });
  if (url.pathname === '/')
    return page(200, renderMailboxList({ lang, messages: mailbox.list(), dropped: mailbox.dropped, max: mailbox.max }));
  const m = /^\/m\/([0-9]{1,9})(?:\/attachments\/([0-9]{1,3}))?$/.exec(url.pathname);
  const message = m ? mailbox.get(Number(m[1])) : undefined;
  if (!m || !message) return page(404, renderMailboxMessage({ lang, message: null }));
  if (m[2] === undefined) return page(200, renderMailboxMessage({ lang, message }));
  const a = message.attachments[Number(m[2])];
  if (!a) return page(404, renderMailboxMessage({ lang, message: null }));
  // Downloaded, never shown inline: an attachment is the sender's content, not the page's.
  return send(res, 200, 'application/octet-stream', a.content, {
    'content-disposition': `attachment; filename="${safeFilename(a.filename)}"`,
  });
}

/** Serves the mailbox and the SMS stand-in on `host:port` (port 0: any free one). */
export async function startMailboxHttp(mailbox: Mailbox, o: { host: string; port: number; smsApiKey: string }): Promise<MailboxHttp> {
  const server: Server = createServer((req, res) => {
    handle(req, res, mailbox, o.smsApiKey).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `mailbox: ${e.message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('mail catcher: the web server did not bind a TCP port');
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${addr.port}`;
  return {
    url,
    smsUrl: `${url}/sms`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
