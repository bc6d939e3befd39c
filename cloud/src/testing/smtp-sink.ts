/**
 * A real SMTP server (smtp-server) on a loopback port for tests, optionally with STARTTLS and a
 * login, keeping every message it accepted, parsed by mailparser. It can refuse the next messages
 * with a given reply code.
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SmtpSink {
  port: number;
  received: ParsedMail[];
  /** The next `count` messages are refused with this reply code (e.g. 451 try later, 550 refused). */
  refuseNext(code: number, count?: number): void;
  /** Resolves once `n` messages were accepted in all. */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(
  opts: { tls?: { key: string; cert: string }; auth?: { user: string; pass: string } } = {},
): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const waiters: (() => void)[] = [];
  let refuse: { code: number; count: number } | null = null;
  const options: SMTPServerOptions = {
    disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), ...(opts.auth ? [] : ['AUTH'])],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    authOptional: opts.auth === undefined,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse && refuse.count > 0) {
          refuse.count--;
          cb(Object.assign(new Error(`refused by the test (${refuse.code})`), { responseCode: refuse.code }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push(mail);
            for (const w of waiters.splice(0)) w();
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
    logger: false,
    // No reverse DNS of 127.0.0.1 per connection: a test measures the cloud, not the resolver.
    disableReverseLookup: true,
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('SMTP sink did not bind a TCP port');
  return {
    port: addr.port,
    received,
    refuseNext(code, count = 1) {
      refuse = { code, count };
    },
    waitFor(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SMTP sink: ${received.length} of ${n} messages within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve(received);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
