/**
 * The brake on password guessing, from outside: the whole cloud on real sockets (SQLite store),
 * raw HTTP requests sent in parallel, from several loopback addresses (127.0.0.0/8 is all local
 * on Linux), and a real restart of the cloud. The throttle's clock is the test's, so nothing here
 * depends on how fast the machine is.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cloud, type StartCloudOptions, startCloud } from '../../cloud.js';
import { DEFAULT_THROTTLE_POLICY } from '../../security/auth-throttle.js';
import { hashPassword } from '../../teleconsult/passwords.js';

const PASSWORD = 'throttle-test-password';
const SOURCE_FREE = DEFAULT_THROTTLE_POLICY.rules.source.freeFailures;
const ACCOUNT_FREE = DEFAULT_THROTTLE_POLICY.rules.account.freeFailures;
const ACCOUNT_CAP_S = DEFAULT_THROTTLE_POLICY.rules.account.maxDelayMs / 1000;

interface Answer {
  status: number;
  retryAfter: number | null;
}

/** POST /api/specialist/login on a fresh connection, from `from` (a loopback address), optionally via a "proxy". */
function login(url: string, id: string, password: string, from = '127.0.0.1', forwardedFor?: string): Promise<Answer> {
  const u = new URL('/api/specialist/login', url);
  const body = JSON.stringify({ id, password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: ra === undefined ? null : Number(ra) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

let dir: string;
let cloud: Cloud | undefined;
let clock: number;
let opts: StartCloudOptions;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-throttle-'));
  clock = Date.UTC(2026, 11, 1, 8, 0, 0);
  opts = {
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    throttleClock: () => clock,
    teleconsult: {
      specialists: [{ id: 'dr-pw', name: 'Dr Mot de Passe', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['*'] }],
    },
  };
  cloud = await startCloud(opts);
});

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function auditActions(): Promise<string[]> {
  const c = cloud as Cloud;
  await c.teleconsult.relay.flush();
  return (await c.store.listAudit({ actor: 'dr-pw', limit: 1000 })).map((e) => e.action);
}

describe('login throttling', () => {
  it('24 wrong passwords at once: only the free ones are checked, the rest get 429 with Retry-After', async () => {
    const url = (cloud as Cloud).httpUrl;
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => login(url, 'dr-pw', `wrong-${i}`)));
    expect(count(answers, 401)).toBe(SOURCE_FREE);
    expect(count(answers, 429)).toBe(24 - SOURCE_FREE);
    for (const a of answers.filter((x) => x.status === 429)) expect(a.retryAfter).toBe(1);
    // One audit line for the block, not one per refusal.
    expect((await auditActions()).sort()).toEqual([...Array<string>(SOURCE_FREE).fill('login-failed'), 'login-throttled']);
    // The right password from that address waits too: the address is what is blocked.
    expect(await login(url, 'dr-pw', PASSWORD)).toEqual({ status: 429, retryAfter: 1 });
  });

  it('survives a restart: the count and the block are in the store; a success clears the address', async () => {
    let url = (cloud as Cloud).httpUrl;
    await Promise.all(Array.from({ length: 24 }, (_, i) => login(url, 'dr-pw', `wrong-${i}`)));
    clock += 1_000; // the first block is over: the 6th failure doubles it
    expect((await login(url, 'dr-pw', 'wrong-again')).status).toBe(401);
    expect(await login(url, 'dr-pw', PASSWORD)).toEqual({ status: 429, retryAfter: 2 });

    await (cloud as Cloud).stop();
    cloud = await startCloud(opts);
    url = cloud.httpUrl;
    expect(await login(url, 'dr-pw', 'wrong-after-restart')).toEqual({ status: 429, retryAfter: 2 });
    clock += 2_000;
    expect((await login(url, 'dr-pw', PASSWORD)).status).toBe(200);
    // Cleared: a typo now costs nothing more than a 401.
    expect((await login(url, 'dr-pw', 'typo')).status).toBe(401);
    expect((await login(url, 'dr-pw', PASSWORD)).status).toBe(200);
  });

  it('one address runs out long before it delays the account: the clinician elsewhere signs in at once', async () => {
    const url = (cloud as Cloud).httpUrl;
    const attacker = await Promise.all(Array.from({ length: 30 }, (_, i) => login(url, 'dr-pw', `guess-${i}`, '127.0.0.2')));
    expect(count(attacker, 401)).toBe(SOURCE_FREE);
    expect(await login(url, 'dr-pw', PASSWORD, '127.0.0.3')).toEqual({ status: 200, retryAfter: null });
  });

  it('many addresses can delay an account, but never for more than the cap, and refusals do not lengthen it', async () => {
    const url = (cloud as Cloud).httpUrl;
    // Four guesses from each of many addresses: none of them hits its own limit.
    let host = 10;
    const spray = async (n: number) => {
      const out: Answer[] = [];
      for (let i = 0; i < n; i++) {
        const from = `127.0.1.${host++}`;
        out.push(...(await Promise.all(Array.from({ length: SOURCE_FREE - 1 }, (_, j) => login(url, 'dr-pw', `g${i}-${j}`, from)))));
      }
      return out;
    };
    const first = await spray(5);
    expect(count(first, 401)).toBe(ACCOUNT_FREE);
    expect(first.filter((a) => a.status === 429).every((a) => a.retryAfter === 1)).toBe(true);
    // The clinician, from an address with no failure, is told how long to wait.
    expect(await login(url, 'dr-pw', PASSWORD, '127.0.0.3')).toEqual({ status: 429, retryAfter: 1 });
    // Keep guessing each time the block ends: the delay doubles up to the cap, not beyond.
    let last = 1;
    for (let round = 0; round < 12; round++) {
      clock += last * 1000;
      const answers = await spray(1);
      expect(count(answers, 401)).toBe(1);
      last = (answers.find((a) => a.status === 429)?.retryAfter ?? 0) as number;
      expect(last).toBe(Math.min(2 ** (round + 1), ACCOUNT_CAP_S));
    }
    expect(last).toBe(ACCOUNT_CAP_S);
    // A flood while blocked changes nothing: every attempt refused, the wait the same.
    const flood = await spray(10);
    expect(count(flood, 429)).toBe(flood.length);
    expect(new Set(flood.map((a) => a.retryAfter))).toEqual(new Set([ACCOUNT_CAP_S]));
    clock += ACCOUNT_CAP_S * 1000;
    expect((await login(url, 'dr-pw', PASSWORD, '127.0.0.3')).status).toBe(200);
    // The success cleared the account: the next typo is a plain 401.
    expect((await login(url, 'dr-pw', 'typo', '127.0.0.4')).status).toBe(401);
  });

  it('an unknown id is throttled exactly like a known one', async () => {
    const url = (cloud as Cloud).httpUrl;
    const known = await Promise.all(Array.from({ length: 8 }, (_, i) => login(url, 'dr-pw', `w${i}`, '127.0.0.5')));
    const ghost = await Promise.all(Array.from({ length: 8 }, (_, i) => login(url, 'dr-ghost', `w${i}`, '127.0.0.6')));
    expect(known.map((a) => a.status).sort()).toEqual(ghost.map((a) => a.status).sort());
    expect(count(ghost, 401)).toBe(SOURCE_FREE);
  });

  it('ignores X-Forwarded-For unless the peer is a configured proxy; behind one, counts each client', async () => {
    const url = (cloud as Cloud).httpUrl;
    // Not trusted: a forged header does not buy fresh attempts (another account, to leave dr-pw's count alone).
    const forged = await Promise.all(Array.from({ length: 12 }, (_, i) => login(url, 'dr-other', `f${i}`, '127.0.0.7', `198.51.100.${i}`)));
    expect(count(forged, 401)).toBe(SOURCE_FREE);
    await (cloud as Cloud).stop();
    opts = { ...opts, trustProxy: ['127.0.0.8'] };
    cloud = await startCloud(opts);
    const proxied = cloud.httpUrl;
    // Behind the proxy: one client's guesses do not block another client of the same proxy.
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => login(proxied, 'dr-pw', `g${i}`, '127.0.0.8', '198.51.100.7')));
    expect(count(guesses, 401)).toBe(SOURCE_FREE);
    expect((await login(proxied, 'dr-pw', PASSWORD, '127.0.0.8', '198.51.100.8')).status).toBe(200);
  });

  it('refuses a trustProxy entry that is not an address or a CIDR range, naming the key', async () => {
    const other = mkdtempSync(join(tmpdir(), 'telecart-throttle-bad-'));
    try {
      await expect(startCloud({ ...opts, dataDir: other, trustProxy: ['10.0.0.0/33'] })).rejects.toThrow(
        /trustProxy: "10.0.0.0\/33" is not an IP address or CIDR range/,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
