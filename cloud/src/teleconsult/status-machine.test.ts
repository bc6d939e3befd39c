import { TELECONSULT_STATUSES, type TeleconsultStatus } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, newToken, tokenMatches, verifyPassword } from './passwords.js';
import { SpecialistDirectory } from './specialists.js';
import { canMove, endStatus, FINAL_STATUSES, isFinal, STATUS_LABELS, transition } from './status-machine.js';

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
    expect(await d.login('dr-a', 'password-a')).toEqual({ id: 'dr-a', name: 'A', audit: false });
    expect(await d.login('dr-a', 'password-b')).toBeNull();
    expect(await d.login('dr-b', 'anything')).toBeNull(); // no password configured: no password login
    expect(() => new SpecialistDirectory([{ id: 'x', name: 'X', gateways: [], sites: ['nope'], audit: false }])).toThrow(/unknown site/);
  });
});
