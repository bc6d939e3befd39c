import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { EMPTY_CONTENT, reportSha256 } from './content.js';
import { DEFAULT_LINK_TTL_MS, issueReportLink, tokenSha256, useReportLink } from './links.js';

const T0 = new Date('2026-11-23T12:00:00.000Z');
let dir: string;
let store: SqliteStore;
const sessionId = randomUUID();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecart-report-links-'));
  store = new SqliteStore({ file: join(dir, 'cloud.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedVersion(): Promise<string> {
  const d = await store.createReportDraft({
    id: randomUUID(),
    sessionId,
    patientId: 'p-001',
    authorId: 'dr-roux',
    content: { ...EMPTY_CONTENT, conclusion: 'ok' },
    at: T0.toISOString(),
  });
  await store.signReport({
    sessionId,
    version: 1,
    vitals: [],
    by: 'dr-roux',
    name: 'Dr Anne Roux',
    at: T0.toISOString(),
    hash: reportSha256,
  });
  return d.id;
}

describe('report download links', () => {
  it('opens its one signed version until it expires; the token is not at rest, only its SHA-256', async () => {
    const versionId = await signedVersion();
    const link = await issueReportLink({
      store,
      versionId,
      audience: 'gp',
      recipient: 'Dr Paul Médecin',
      createdBy: 'dr-roux',
      publicBaseUrl: 'https://telecart.example.org/',
      now: T0,
    });
    const token = link.url.replace('https://telecart.example.org/r/', '');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt).toBe(new Date(T0.getTime() + DEFAULT_LINK_TTL_MS).toISOString());
    const justBefore = await useReportLink(store, token, new Date(T0.getTime() + DEFAULT_LINK_TTL_MS - 1));
    expect(justBefore).toMatchObject({ ok: true, version: { id: versionId }, link: { audience: 'gp', recipient: 'Dr Paul Médecin' } });
    expect(await useReportLink(store, token, new Date(T0.getTime() + DEFAULT_LINK_TTL_MS))).toMatchObject({ ok: false, reason: 'expired' });
    // Another token (its last character changed: one in 64 random tokens already ends in 'A').
    const other = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await useReportLink(store, other, T0)).ok).toBe(false);
    expect(await useReportLink(store, 'short', T0)).toEqual({ ok: false, reason: 'malformed', link: null });
    await store.close();
    const bytes = readFileSync(join(dir, 'cloud.db'));
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(tokenSha256(token))).toBe(true);
    store = new SqliteStore({ file: join(dir, 'cloud.db') });
  });

  it('makes no link to a draft, nor one that outlives 90 days', async () => {
    const draft = await store.createReportDraft({
      id: randomUUID(),
      sessionId,
      patientId: 'p-001',
      authorId: 'dr-roux',
      content: EMPTY_CONTENT,
      at: T0.toISOString(),
    });
    const base = { store, audience: 'patient' as const, recipient: null, createdBy: 'dr-roux', publicBaseUrl: 'https://x', now: T0 };
    await expect(issueReportLink({ ...base, versionId: draft.id })).rejects.toThrow(/not a signed report: no link is made to a draft/);
    await expect(issueReportLink({ ...base, versionId: draft.id, ttlMs: 91 * 86_400_000 })).rejects.toThrow(/between 1 ms and 90 days/);
  });
});
