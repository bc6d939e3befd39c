import { TELECONSULT_STATUSES, type TeleconsultStatus } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, newToken, tokenMatches, verifyPassword } from './passwords.js';
import { SpecialistDirectory } from './specialists.js';
import { canMove, endStatus, FINAL_STATUSES, isFinal, type LinkEvent, linkStep, STATUS_LABELS, transition } from './status-machine.js';

describe('teleconsultation status machine', () => {
  it('allows exactly the moves of the act', () => {
    const allowed = new Set([
      'scheduled>waiting',
      'scheduled>cancelled',
      'scheduled>not-done',
      'waiting>in-progress',
      'waiting>cancelled',
      'waiting>not-done',
      'in-progress>completed',
      'in-progress>not-done',
    ]);
    for (const from of TELECONSULT_STATUSES)
      for (const to of TELECONSULT_STATUSES) expect(canMove(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
  });

  it('never leaves a final status, and says why a move is refused', () => {
    for (const s of FINAL_STATUSES) {
      expect(isFinal(s)).toBe(true);
      for (const to of TELECONSULT_STATUSES) expect(transition(s, to).ok).toBe(false);
    }
    expect(transition('waiting', 'completed')).toEqual({ ok: false, error: 'a teleconsultation cannot go from waiting to completed' });
    expect(transition('in-progress', 'cancelled').ok).toBe(false); // the nurse hanging up ends it, as completed or not done
    expect(transition('waiting', 'in-progress')).toEqual({ ok: true, status: 'in-progress' });
  });

  it('an act that started ends finalised only if the media came up', () => {
    expect(endStatus(true)).toBe('completed');
    expect(endStatus(false)).toBe('not-done');
  });

  it('names every status in French and English as the platforms do', () => {
    const fr = TELECONSULT_STATUSES.map((s: TeleconsultStatus) => STATUS_LABELS[s].fr);
    expect(fr).toEqual(['à venir', 'en salle d’attente', 'en cours', 'finalisée', 'non réalisée', 'annulée']);
  });
});

describe('the specialist’s link while the act is in progress', () => {
  const present = { status: 'in-progress', link: 'present', specialistId: 'dr-a' } as const;
  const away = { ...present, link: 'reconnecting' } as const;

  it('a lost page puts the act in reconnecting for the grace period, or ends it at once with no grace', () => {
    expect(linkStep(present, { type: 'page-lost', graceSeconds: 60 })).toEqual({ ok: true, link: 'reconnecting' });
    expect(linkStep(present, { type: 'page-lost', graceSeconds: 0 })).toEqual({ ok: true, end: 'specialist-disconnected' });
    expect(linkStep(away, { type: 'page-lost', graceSeconds: 60 }).ok).toBe(false);
  });

  it('only the specialist who joined may rejoin, and only while reconnecting', () => {
    expect(linkStep(away, { type: 'rejoin', specialistId: 'dr-a' })).toEqual({ ok: true, link: 'present' });
    expect(linkStep(away, { type: 'rejoin', specialistId: 'dr-b' })).toEqual({ ok: false, error: 'the act is another specialist’s' });
    expect(linkStep({ ...away, specialistId: null }, { type: 'rejoin', specialistId: 'dr-a' }).ok).toBe(false);
    expect(linkStep(present, { type: 'rejoin', specialistId: 'dr-a' })).toEqual({
      ok: false,
      error: 'the specialist is still connected to this act',
    });
  });

  it('the grace period over without a rejoin ends the act as specialist-lost; a rejoin first makes the expiry a no-op', () => {
    expect(linkStep(away, { type: 'grace-expired' })).toEqual({ ok: true, end: 'specialist-lost' });
    expect(linkStep(present, { type: 'grace-expired' }).ok).toBe(false);
  });

  it('nothing moves the link of an act that is not in progress', () => {
    const events: LinkEvent[] = [
      { type: 'page-lost', graceSeconds: 60 },
      { type: 'rejoin', specialistId: 'dr-a' },
      { type: 'grace-expired' },
    ];
    for (const status of TELECONSULT_STATUSES.filter((s) => s !== 'in-progress'))
      for (const link of ['present', 'reconnecting'] as const)
        for (const e of events)
          expect(linkStep({ status, link, specialistId: 'dr-a' }, e)).toEqual({
            ok: false,
            error: `the act is ${status}, not in progress`,
          });
  });

  it('a sequence of events ends only through the grace expiry, and every rejoin is by the joined specialist', () => {
    // Walk: lose, rejoin by someone else (refused), rejoin, lose, expire.
    let link: 'present' | 'reconnecting' = 'present';
    const seen: string[] = [];
    const steps: LinkEvent[] = [
      { type: 'page-lost', graceSeconds: 30 },
      { type: 'rejoin', specialistId: 'dr-b' },
      { type: 'rejoin', specialistId: 'dr-a' },
      { type: 'page-lost', graceSeconds: 30 },
      { type: 'grace-expired' },
    ];
    for (const e of steps) {
      const d = linkStep({ status: 'in-progress', link, specialistId: 'dr-a' }, e);
      if (!d.ok) seen.push(`${e.type}:refused`);
      else if ('end' in d) seen.push(`${e.type}:end ${d.end}`);
      else {
        link = d.link;
        seen.push(`${e.type}:${d.link}`);
      }
    }
    expect(seen).toEqual([
      'page-lost:reconnecting',
      'rejoin:refused',
      'rejoin:present',
      'page-lost:reconnecting',
      'grace-expired:end specialist-lost',
    ]);
  });
});

describe('specialist secrets and access', () => {
  it('hashes with scrypt, verifies, refuses wrong or malformed hashes without throwing', async () => {
    const h = await hashPassword('correct horse battery', 12);
    expect(isPasswordHash(h)).toBe(true);
    expect(h).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
    expect(await verifyPassword('x', '$scrypt$garbage')).toBe(false);
    expect(await verifyPassword('x', undefined)).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/8 characters/);
    const { token, tokenSha256 } = newToken();
    expect(tokenMatches(token, tokenSha256)).toBe(true);
    expect(tokenMatches(`${token}x`, tokenSha256)).toBe(false);
  });

  it('gives each specialist the carts of their patterns and sites, no more', async () => {
    const d = new SpecialistDirectory(
      [
        { id: 'dr-a', name: 'A', gateways: ['ehpad-lilas-*'], sites: [], audit: false, passwordHash: await hashPassword('password-a', 10) },
        { id: 'dr-b', name: 'B', gateways: [], sites: ['roses'], audit: true },
        { id: 'dr-c', name: 'C', gateways: ['*'], sites: [], audit: false },
      ],
      [{ id: 'roses', name: 'EHPAD Les Roses', gateways: ['cart-roses-1', 'cart-roses-2'] }],
    );
    expect(d.maySee('dr-a', 'ehpad-lilas-3')).toBe(true);
    expect(d.maySee('dr-a', 'cart-roses-1')).toBe(false);
    expect(d.maySee('dr-b', 'cart-roses-2')).toBe(true);
    expect(d.maySee('dr-b', 'cart-roses-3')).toBe(false);
    expect(d.maySee('dr-c', 'anything')).toBe(true);
    expect(d.maySee('nobody', 'cart-roses-1')).toBe(false);
    expect(d.patternsFor('dr-b')).toEqual(['cart-roses-1', 'cart-roses-2']);
    expect(await d.login('dr-a', 'password-a')).toMatchObject({ id: 'dr-a', name: 'A', audit: false, role: 'specialist' });
    expect(await d.login('dr-a', 'password-b')).toBeNull();
    expect(await d.login('dr-b', 'anything')).toBeNull(); // no password configured: no password login
    expect(() => new SpecialistDirectory([{ id: 'x', name: 'X', gateways: [], sites: ['nope'], audit: false }])).toThrow(/unknown site/);
  });
});
