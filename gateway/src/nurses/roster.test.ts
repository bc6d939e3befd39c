import type { CartNurses } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { pinVerifier } from './pin.js';
import { badgeHash, MAX_PIN_FAILURES, NurseRoster } from './roster.js';
import { NurseSessions } from './sessions.js';

function memoryStore() {
  const m = new Map<string, string>();
  return { loadMeta: (k: `doc:${string}`) => m.get(k), saveMeta: (k: `doc:${string}`, v: string) => void m.set(k, v) };
}

async function list(pinSetAt: string, pin = '2580'): Promise<CartNurses> {
  return {
    v: 1,
    gatewayId: 'cart-1',
    at: '2026-12-06T08:00:00.000Z',
    nurses: [{ id: 'n.martin', name: 'Nadia Martin', badgeSha256: badgeHash('04a1b2c3'), pin: await pinVerifier(pin), pinSetAt }],
  };
}

describe('NurseRoster', () => {
  it('refuses a list that is not JSON, not CartNurses or for another cart, and keeps the last good one', async () => {
    const r = new NurseRoster({ gatewayId: 'cart-1', store: memoryStore(), logger: silentLogger });
    expect(r.receive(Buffer.from(JSON.stringify(await list('2026-12-06T08:00:00.000Z'))))).toBe(true);
    expect(r.receive(Buffer.from('{'))).toBe(false);
    expect(r.receive(Buffer.from(JSON.stringify({ ...(await list('x')), extra: 1 })))).toBe(false);
    expect(r.receive(Buffer.from(JSON.stringify({ ...(await list('2026-12-06T08:00:00.000Z')), gatewayId: 'cart-2' })))).toBe(false);
    expect(r.nurses().map((n) => n.id)).toEqual(['n.martin']);
    // The reader's UID, whatever its case and trailing newline, finds the nurse.
    expect(r.byBadge('04A1B2C3\r\n')?.id).toBe('n.martin');
    expect(r.byBadge('04A1B2C4')).toBeUndefined();
  });

  it(`locks a PIN after ${MAX_PIN_FAILURES} wrong tries, across a restart, until a newer PIN comes with the list`, async () => {
    const store = memoryStore();
    const first = await list('2026-12-06T08:00:00.000Z');
    let r = new NurseRoster({ gatewayId: 'cart-1', store, logger: silentLogger });
    r.receive(Buffer.from(JSON.stringify(first)));
    expect(await r.checkPin('n.martin', '2580')).toMatchObject({ ok: true });
    for (let left = MAX_PIN_FAILURES - 1; left >= 1; left--)
      expect(await r.checkPin('n.martin', '0000')).toEqual({ ok: false, reason: 'wrong-pin', attemptsLeft: left });
    expect(await r.checkPin('n.martin', '0000')).toEqual({ ok: false, reason: 'locked' });
    r = new NurseRoster({ gatewayId: 'cart-1', store, logger: silentLogger });
    expect(r.locked('n.martin')).toBe(true);
    expect(await r.checkPin('n.martin', '2580')).toEqual({ ok: false, reason: 'locked' });
    // A full sign-in set a new PIN: the cloud's list carries it, the lock is over.
    r.receive(Buffer.from(JSON.stringify(await list('2026-12-06T09:00:00.000Z', '3691'))));
    expect(r.locked('n.martin')).toBe(false);
    expect(await r.checkPin('n.martin', '3691')).toMatchObject({ ok: true });
    expect(await r.checkPin('n.other', '3691')).toEqual({ ok: false, reason: 'unknown-nurse' });
  });
});

describe('NurseSessions', () => {
  it('holds one nurse at a time and ends a session left idle', () => {
    let now = 0;
    const s = new NurseSessions(120_000, () => now);
    const a = s.open({ id: 'a', name: 'A', method: 'pin' });
    now = 119_000;
    expect(s.touch(a)?.id).toBe('a');
    const b = s.open({ id: 'b', name: 'B', method: 'badge' });
    expect(s.touch(a)).toBeNull();
    now += 119_999;
    expect(s.touch(b)?.id).toBe('b');
    now += 120_000;
    expect(s.touch(b)).toBeNull();
    expect(s.touch(undefined)).toBeNull();
  });
});
