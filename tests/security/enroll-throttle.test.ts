/**
 * Guessing enrollment tokens, from outside: the cloud with TLS on, raw HTTPS requests to its
 * enrollment port sent in parallel from loopback addresses, and a real restart of the cloud. The
 * throttle's clock is the test's, so nothing here depends on how fast the machine is.
 */
import { request } from 'node:https';
import { type Cloud, type StartCloudOptions, startCloud } from '@telecart/cloud';
import { generateKeyAndCsr } from '@telecart/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quiet, tempDir } from './support.js';

interface Answer {
  status: number;
  retryAfter: number | null;
  body: string;
}

/** POST /api/v1/enroll on a fresh TLS connection from `from`, trusting the cloud CA only. */
function enroll(c: Cloud, token: string, csr: string, from = '127.0.0.1'): Promise<Answer> {
  const u = new URL('/api/v1/enroll', c.enrollUrl);
  const body = JSON.stringify({ token, csr });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        ca: c.security?.caPem(),
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: ra === undefined ? null : Number(ra), body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = tempDir('telecart-enroll-throttle-');
let clock = Date.UTC(2026, 11, 1, 8, 0, 0);
const opts: StartCloudOptions = {
  dataDir: dir.path,
  mqttPort: 0,
  httpPort: 0,
  tls: { enabled: true, enrollPort: 0 },
  logger: quiet(),
  throttleClock: () => clock,
};
let cloud: Cloud;
let csr: string;

beforeAll(async () => {
  cloud = await startCloud(opts);
  csr = (await generateKeyAndCsr('gw-t')).csrPem;
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  dir.remove();
});

/** A well-formed token nobody issued. */
const forged = (i: number) => `tct1.${i.toString(16).padStart(16, '0')}.${'A'.repeat(43)}`;

describe('enrollment token guessing', () => {
  it('24 forged tokens at once: 5 are checked, the rest 429; the block outlives a restart; a success clears it', async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => enroll(cloud, forged(i), csr)));
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(19);
    expect(refused.every((a) => a.retryAfter === 1)).toBe(true);

    // Another address is not concerned.
    expect((await enroll(cloud, forged(99), csr, '127.0.0.2')).status).toBe(401);
    // A good token from the blocked address waits, and is not spent by the refusal.
    const token = cloud.security?.createToken('gw-t', 3_600_000).token ?? '';
    expect((await enroll(cloud, token, csr)).status).toBe(429);

    await cloud.stop();
    cloud = await startCloud(opts);
    expect((await enroll(cloud, token, csr)).status).toBe(429);
    clock += 1_000;
    const ok = await enroll(cloud, token, csr);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ gatewayId: 'gw-t' });
    // Cleared: the next failure is a plain 401.
    expect((await enroll(cloud, forged(100), csr)).status).toBe(401);
  }, 60_000);
});
