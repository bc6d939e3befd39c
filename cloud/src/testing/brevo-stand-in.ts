/**
 * A local HTTP stand-in for Brevo's transactional SMS endpoint (POST /v3/transactionalSMS/send),
 * answering as Brevo documents: the `api-key` header checked (401 {code:'unauthorized'}), the
 * JSON body's required sender, recipient and content checked (400 {code:'missing_parameter'}),
 * 201 {messageId} on success. Tests can make the next requests fail with a given status.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface BrevoRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface BrevoStandIn {
  url: string;
  requests: BrevoRequest[];
  /** The next `count` valid requests get this status and Brevo's error body. */
  failNext(status: number, code: string, count?: number): void;
  close(): Promise<void>;
}

const PATH = '/v3/transactionalSMS/send';

export async function startBrevoStandIn(apiKey: string): Promise<BrevoStandIn> {
  const requests: BrevoRequest[] = [];
  let fail: { status: number; code: string; count: number } | null = null;
  let nextId = 1511882900176220;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== PATH) return reply(404, { code: 'not_found', message: 'Not found' });
      if (req.headers['api-key'] !== apiKey) return reply(401, { code: 'unauthorized', message: 'Key not found' });
      const b = (body ?? {}) as Record<string, unknown>;
      for (const field of ['sender', 'recipient', 'content'])
        if (typeof b[field] !== 'string' || b[field] === '')
          return reply(400, { code: 'missing_parameter', message: `${field} is missing` });
      if (!/^[0-9]{6,15}$/.test(String(b.recipient))) return reply(400, { code: 'invalid_parameter', message: 'Invalid recipient' });
      if (fail && fail.count > 0) {
        fail.count--;
        return reply(fail.status, { code: fail.code, message: `failed by the test (${fail.code})` });
      }
      reply(201, { messageId: nextId++ });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('Brevo stand-in did not bind a TCP port');
  return {
    url: `http://127.0.0.1:${addr.port}${PATH}`,
    requests,
    failNext(status, code, count = 1) {
      fail = { status, code, count };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
