/**
 * The second factor of local accounts, from outside: the whole cloud on real sockets (SQLite
 * store), the TOTP secret enrolled as `telecart cloud totp-enroll` does and kept encrypted in the
 * configuration, codes computed as an authenticator app does at the test's clock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cloud, type StartCloudOptions, startCloud } from '../../cloud.js';
import { hashPassword } from '../../teleconsult/passwords.js';
import { decryptTotpSecret, enrollTotp, readTotpKey } from '../../teleconsult/totp.js';

const PASSWORD = 'totp-test-password';

let dir: string;
let cloud: Cloud | undefined;
let clock: number;
let keyFile: string;

async function login(id: string, totp?: string): Promise<{ status: number; reason?: string }> {
  const r = await fetch(`${cloud?.httpUrl}/api/specialist/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, password: PASSWORD, ...(totp === undefined ? {} : { totp }) }),
  });
  const body = (await r.json()) as { reason?: string };
  return { status: r.status, ...(body.reason ? { reason: body.reason } : {}) };
}

async function start(specialists: NonNullable<StartCloudOptions['teleconsult']>['specialists'], requireTotp = false) {
  cloud = await startCloud({
    dataDir: dir,
    mqttPort: 0,
    httpPort: 0,
    logger: pino({ level: 'silent' }),
    loginClock: () => clock,
    teleconsult: { totpKeyFile: keyFile, requireTotp, specialists: specialists ?? [] },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-totp-'));
  clock = Date.UTC(2026, 11, 1, 8, 0, 10);
  keyFile = join(dir, 'totp.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
});

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('TOTP second factor', () => {
  it('keeps the secret encrypted for one account: another key or another account cannot read it', () => {
    const key = readTotpKey(keyFile);
    const e = enrollTotp('dr-roux', key);
    expect(e.uri).toMatch(/^otpauth:\/\/totp\/telecart:dr-roux\?/);
    expect(e.uri).toContain(`secret=${e.secret}`);
    expect(e.encrypted).not.toContain(e.secret);
    expect(decryptTotpSecret(e.encrypted, 'dr-roux', key)).toBe(e.secret);
    expect(() => decryptTotpSecret(e.encrypted, 'dr-blanc', key)).toThrow(/dr-blanc: totp cannot be decrypted/);
    expect(() => decryptTotpSecret(e.encrypted, 'dr-roux', randomBytes(32))).toThrow(/cannot be decrypted/);
  });

  it('asks an enrolled account for its code, refuses a wrong or replayed one, accepts the right one', async () => {
    const e = enrollTotp('dr-roux', readTotpKey(keyFile));
    await start([{ id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), totp: e.encrypted }]);
    const app = new TOTP({ secret: Secret.fromBase32(e.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const code = app.generate({ timestamp: clock });
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    expect(await login('dr-roux')).toEqual({ status: 401, reason: 'totp-required' });
    expect(await login('dr-roux', wrong)).toEqual({ status: 401, reason: 'totp-wrong' });
    expect(await login('dr-roux', code)).toEqual({ status: 200 });
    expect(await login('dr-roux', code)).toEqual({ status: 401, reason: 'totp-wrong' }); // the same code twice
    clock += 30_000;
    expect(await login('dr-roux', app.generate({ timestamp: clock }))).toEqual({ status: 200 });
    await expect
      .poll(async () =>
        (await cloud?.store.listAudit({ actor: 'dr-roux', limit: 20 }))?.map((a) => `${a.action} ${a.detail?.split(';')[0]}`),
      )
      .toEqual(
        expect.arrayContaining([
          'login-failed second-factor code missing',
          'login-failed second-factor code wrong or reused',
          'login 127.0.0.1',
        ]),
      );
  });

  it('refuses the password alone when the site requires a second factor and the account has none', async () => {
    await start([{ id: 'dr-blanc', name: 'Dr Paul Blanc', passwordHash: await hashPassword(PASSWORD, 10) }], true);
    expect(await login('dr-blanc')).toEqual({ status: 401, reason: 'totp-not-enrolled' });
    await cloud?.teleconsult.logins.flushed();
    expect(await cloud?.store.liveLogins(new Date(clock))).toEqual([]);
  });

  it('does not start with a value another account was enrolled with', async () => {
    const e = enrollTotp('dr-roux', readTotpKey(keyFile));
    await expect(
      start([{ id: 'dr-blanc', name: 'Dr Paul Blanc', passwordHash: await hashPassword(PASSWORD, 10), totp: e.encrypted }]),
    ).rejects.toThrow(/dr-blanc: totp cannot be decrypted with teleconsult.totpKeyFile/);
  });
});
