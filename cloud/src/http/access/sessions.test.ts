/**
 * Logins that end, from outside: the whole cloud on real sockets (SQLite store), password logins
 * over HTTP, the logins' clock moved by the test. Idle expiry, "sign out everywhere", and a
 * disabled account whose open logins (kept in the store across a restart) are refused at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cloud, type StartCloudOptions, startCloud } from '../../cloud.js';
import { hashPassword } from '../../teleconsult/passwords.js';

const PASSWORD = 'sessions-test-password';
const MINUTE = 60_000;

let dir: string;
let cloud: Cloud | undefined;
let clock: number;
let opts: StartCloudOptions;

async function login(id = 'dr-roux'): Promise<{ status: number; cookie: string }> {
  const r = await fetch(`${cloud?.httpUrl}/api/specialist/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, password: PASSWORD }),
  });
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: r.status, cookie };
}

async function me(cookie: string): Promise<number> {
  return (await fetch(`${cloud?.httpUrl}/api/specialist/me`, { headers: { cookie } })).status;
}

async function start(extra: Partial<StartCloudOptions['teleconsult']> = {}, disabled = false): Promise<void> {
  opts = {
    ...opts,
    teleconsult: {
      loginIdleMinutes: 30,
      specialists: [
        { id: 'dr-roux', name: 'Dr Anne Roux', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['*'], disabled },
        { id: 'dr-blanc', name: 'Dr Paul Blanc', passwordHash: await hashPassword(PASSWORD, 10), gateways: ['*'] },
      ],
      ...extra,
    },
  };
  cloud = await startCloud(opts);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-sessions-'));
  clock = Date.UTC(2026, 11, 1, 8, 0, 0);
  opts = { dataDir: dir, mqttPort: 0, httpPort: 0, logger: pino({ level: 'silent' }), loginClock: () => clock };
});

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('logins that end', () => {
  it('ends a login left unused for loginIdleMinutes, not one in use', async () => {
    await start();
    const used = await login();
    const left = await login();
    expect([used.status, left.status]).toEqual([200, 200]);
    for (let i = 0; i < 3; i++) {
      clock += 20 * MINUTE;
      expect(await me(used.cookie)).toBe(200); // used every 20 min: still signed in after 60
    }
    expect(await me(left.cookie)).toBe(401); // unused for 60 min
    await cloud?.teleconsult.logins.flushed();
    expect((await cloud?.store.liveLogins(new Date(clock)))?.length).toBe(1);
  });

  it('ends a login at loginHours however much it is used', async () => {
    await start({ loginHours: 1 });
    const l = await login();
    for (let i = 0; i < 3; i++) {
      clock += 19 * MINUTE;
      expect(await me(l.cookie)).toBe(200);
    }
    clock += 4 * MINUTE; // 61 min after the login
    expect(await me(l.cookie)).toBe(401);
  });

  it('"sign out everywhere" ends every login of the account, and only of that account', async () => {
    await start();
    const phone = await login();
    const desk = await login();
    const colleague = await login('dr-blanc');
    const r = await fetch(`${cloud?.httpUrl}/api/specialist/logout-everywhere`, { method: 'POST', headers: { cookie: desk.cookie } });
    expect(r.status).toBe(204);
    expect([await me(phone.cookie), await me(desk.cookie), await me(colleague.cookie)]).toEqual([401, 401, 200]);
    await cloud?.teleconsult.logins.flushed();
    expect((await cloud?.store.liveLogins(new Date(clock)))?.map((l) => l.specialistId)).toEqual(['dr-blanc']);
    await expect
      .poll(async () => (await cloud?.store.listAudit({ actor: 'dr-roux', limit: 10 }))?.map((e) => `${e.action} ${e.detail}`))
      .toContainEqual('logout-everywhere 2 logins ended');
    // Without a login there is nothing to end.
    expect((await fetch(`${cloud?.httpUrl}/api/specialist/logout-everywhere`, { method: 'POST' })).status).toBe(401);
  });

  it('refuses at once the open logins of an account disabled in the configuration, and its next login', async () => {
    await start();
    const l = await login();
    expect(await me(l.cookie)).toBe(200);
    await cloud?.stop();
    // The same store, the account now disabled: its login, kept across the restart, is refused.
    await start({}, true);
    expect(await me(l.cookie)).toBe(401);
    expect((await login()).status).toBe(401);
    await cloud?.teleconsult.logins.flushed();
    expect(await cloud?.store.liveLogins(new Date(clock))).toEqual([]);
    // The other account is untouched.
    expect((await login('dr-blanc')).status).toBe(200);
  });
});
