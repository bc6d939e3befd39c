/**
 * A guest's link into a running act (join-links.ts: issueGuestLink, openGuestLink) on a real SQLite
 * store: it opens the act it was made for while the act is in progress, binds the first device,
 * and is refused — with a reason the page and the audit line can say — when reused on another
 * device, for another act, expired, once the act is over, after the specialist removed the guest,
 * or when it is the patient's link (and a guest's link never opens the patient's page).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';
import { GUEST_LINK_MS, GUEST_PATH, issueGuestLink, openGuestLink, openJoinLink } from './join-links.js';

const T0 = new Date('2026-12-06T09:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

function act(over: Partial<TeleconsultationRecord> = {}): TeleconsultationRecord {
  const at = T0.toISOString();
  return {
    sessionId: randomUUID(),
    gatewayId: 'cart-1',
    patientId: 'p-001',
    patientIns: null,
    requestedSpecialistId: null,
    specialistId: 'dr-blanc',
    specialistName: 'Dr Blanc',
    reason: null,
    consent: { by: 'patient', method: 'oral', representative: null, collectedAt: at, collectedBy: null },
    status: 'in-progress',
    outcome: null,
    createdAt: at,
    joinedAt: at,
    connectedAt: at,
    endedAt: null,
    durationMs: null,
    updatedAt: at,
    ...over,
  };
}

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-guest-links-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function invite(rec: TeleconsultationRecord, guestName = 'Dr Martin') {
  await store.upsertTeleconsultation(rec);
  const { url, link } = await issueGuestLink({ store, act: rec, guestName, publicBaseUrl: 'https://cloud.example/', now: T0 });
  const u = new URL(url);
  expect(u.pathname.startsWith(GUEST_PATH)).toBe(true);
  expect(u.searchParams.get('act')).toBe(rec.sessionId);
  return { token: u.pathname.slice(GUEST_PATH.length), link };
}

describe('guest links', () => {
  it('opens the running act it was made for, binds the first device, and that device only', async () => {
    const rec = act();
    const { token, link } = await invite(rec);
    expect(link).toMatchObject({ role: 'guest', guestName: 'Dr Martin', appointmentId: rec.sessionId, revokedAt: null });
    const first = await openGuestLink(store, token, rec.sessionId, undefined, later(60_000), () => 's'.repeat(43));
    expect(first).toMatchObject({ ok: true, newDeviceSecret: 's'.repeat(43), act: { sessionId: rec.sessionId } });
    const again = await openGuestLink(store, token, rec.sessionId, 's'.repeat(43), later(120_000));
    expect(again).toMatchObject({ ok: true, newDeviceSecret: null });
    const reused = await openGuestLink(store, token, rec.sessionId, 't'.repeat(43), later(180_000));
    expect(reused).toMatchObject({ ok: false, status: 403, reason: 'other-device' });
    const noCookie = await openGuestLink(store, token, rec.sessionId, undefined, later(180_000));
    expect(noCookie).toMatchObject({ ok: false, status: 403, reason: 'other-device' });
  });

  it('refuses a link for another act, an expired one, one whose act is over, a removed guest, a malformed or unknown token', async () => {
    const rec = act();
    const { token } = await invite(rec);
    const other = act();
    await store.upsertTeleconsultation(other);
    expect(await openGuestLink(store, token, other.sessionId, undefined, later(1000))).toMatchObject({
      ok: false,
      status: 403,
      reason: 'other-act',
    });
    expect(await openGuestLink(store, token, rec.sessionId, undefined, later(GUEST_LINK_MS))).toMatchObject({
      ok: false,
      status: 410,
      reason: 'expired',
    });
    expect(await openGuestLink(store, 'short', rec.sessionId, undefined, later(1000))).toMatchObject({ status: 404, reason: 'malformed' });
    expect(await openGuestLink(store, 'x'.repeat(43), rec.sessionId, undefined, later(1000))).toMatchObject({
      status: 404,
      reason: 'unknown',
    });

    const over = act({ status: 'completed' });
    const { token: overToken } = await invite(over);
    expect(await openGuestLink(store, overToken, over.sessionId, undefined, later(1000))).toMatchObject({
      ok: false,
      status: 410,
      reason: 'closed',
    });

    const { token: removedToken, link } = await invite(rec, 'Interprète');
    await store.revokeActLink(link.tokenSha256, later(30_000));
    const removed = await openGuestLink(store, removedToken, rec.sessionId, undefined, later(60_000));
    expect(removed).toMatchObject({ ok: false, status: 403, reason: 'removed' });
    expect(removed.ok ? '' : removed.message).toMatch(/removed/);
    // Nothing was bound by the refused opens.
    expect((await store.getActLink(link.tokenSha256))?.deviceSha256).toBeNull();
  });

  it('a guest’s link never opens the patient’s page, and each invitation is a new link', async () => {
    const rec = act();
    const a = await invite(rec, 'Fille de la patiente');
    const b = await invite(rec, 'Fille de la patiente');
    expect(a.token).not.toBe(b.token);
    expect((await store.guestLinksOf(rec.sessionId)).map((l) => l.guestName)).toEqual(['Fille de la patiente', 'Fille de la patiente']);
    expect(await openJoinLink(store, a.token, rec.sessionId, undefined, later(1000))).toMatchObject({ ok: false, reason: 'unknown' });
  });
});
