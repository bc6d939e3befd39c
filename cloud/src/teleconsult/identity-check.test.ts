import { describe, expect, it } from 'vitest';
import {
  CODE_RESEND_MS,
  CODE_TTL_MS,
  codeHmac,
  decideAttempt,
  decideSend,
  freshIdentity,
  identityConfirmed,
  type LinkIdentityRecord,
  MAX_ATTEMPTS,
  MAX_CODES,
  maskedTelecom,
  newCode,
} from './identity-check.js';

const TOKEN = 'T'.repeat(43);
const t0 = new Date('2026-12-08T14:40:00.000Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

function sent(code: string, at = t0): LinkIdentityRecord {
  const d = decideSend(freshIdentity('h'.repeat(64)), TOKEN, code, 'sms', at);
  if (!d.ok) throw new Error(d.reason);
  return d.next;
}

describe('identity check rules', () => {
  it('makes 6-digit codes, kept only as an HMAC under the link’s token', () => {
    const codes = new Set(Array.from({ length: 200 }, newCode));
    for (const c of codes) expect(c).toMatch(/^\d{6}$/);
    expect(codes.size).toBeGreaterThan(190);
    const s = sent('012345');
    expect(s.codeHmac).toBe(codeHmac(TOKEN, '012345'));
    expect(s.codeHmac).not.toContain('012345');
    expect(codeHmac('U'.repeat(43), '012345')).not.toBe(s.codeHmac);
    expect(s.codeExpiresAt).toBe(after(CODE_TTL_MS).toISOString());
  });

  it('confirms with the right code before it expires, not after (nothing counted then), and spends it', () => {
    const s = sent('123456');
    const late = decideAttempt(s, TOKEN, { code: '123456' }, null, after(CODE_TTL_MS));
    expect(late).toEqual({ outcome: 'refused', reason: 'code-expired' });
    const ok = decideAttempt(s, TOKEN, { code: '123456' }, null, after(CODE_TTL_MS - 1));
    expect(ok.outcome).toBe('confirmed');
    if (ok.outcome !== 'confirmed') return;
    expect(ok.next.confirmedBy).toBe('code');
    expect(ok.next.codeHmac).toBeNull();
    expect(identityConfirmed(ok.next)).toBe(true);
    expect(decideAttempt(ok.next, TOKEN, { code: '123456' }, null, after(1))).toEqual({ outcome: 'refused', reason: 'confirmed' });
  });

  it('confirms with the date of birth on record; none on record is refused without counting', () => {
    const s = freshIdentity('h'.repeat(64));
    expect(decideAttempt(s, TOKEN, { birthDate: '1941-03-02' }, null, t0)).toEqual({ outcome: 'refused', reason: 'no-birth-date' });
    const ok = decideAttempt(s, TOKEN, { birthDate: '1941-03-02' }, '1941-03-02', t0);
    expect(ok.outcome === 'confirmed' && ok.next.confirmedBy).toBe('birth-date');
    expect(decideAttempt(s, TOKEN, { code: '123456' }, '1941-03-02', t0)).toEqual({ outcome: 'refused', reason: 'no-code' });
  });

  it(`counts wrong dates and codes together and locks at the ${MAX_ATTEMPTS}th; a locked link confirms nothing`, () => {
    let s = sent('123456');
    const wrong = [{ birthDate: '1941-03-03' }, { code: '123457' }, { birthDate: '1914-03-02' }, { code: '000000' }];
    for (const [i, p] of wrong.entries()) {
      const d = decideAttempt(s, TOKEN, p, '1941-03-02', after(i));
      expect(d.outcome).toBe('wrong');
      if (d.outcome !== 'wrong') return;
      expect(d.attemptsLeft).toBe(MAX_ATTEMPTS - i - 1);
      s = d.next;
    }
    const last = decideAttempt(s, TOKEN, { code: '999999' }, '1941-03-02', after(10));
    expect(last.outcome).toBe('locked');
    if (last.outcome !== 'locked') return;
    expect(last.next.lockedAt).toBe(after(10).toISOString());
    expect(identityConfirmed(last.next)).toBe(false);
    expect(decideAttempt(last.next, TOKEN, { birthDate: '1941-03-02' }, '1941-03-02', after(11))).toEqual({
      outcome: 'refused',
      reason: 'locked',
    });
    expect(decideSend(last.next, TOKEN, '111111', 'sms', after(CODE_RESEND_MS))).toEqual({ ok: false, reason: 'locked' });
  });

  it(`sends at most ${MAX_CODES} codes, one a minute; only the last one counts`, () => {
    let s = sent('111111');
    expect(decideSend(s, TOKEN, '222222', 'sms', after(CODE_RESEND_MS - 1))).toMatchObject({ ok: false, reason: 'too-soon' });
    for (let i = 1; i < MAX_CODES; i++) {
      const d = decideSend(s, TOKEN, `${i}${i}${i}${i}${i}${i}`, 'email', after(i * CODE_RESEND_MS));
      if (!d.ok) throw new Error(d.reason);
      s = d.next;
    }
    expect(s.codesSent).toBe(MAX_CODES);
    expect(decideSend(s, TOKEN, '999999', 'sms', after(10 * CODE_RESEND_MS))).toEqual({ ok: false, reason: 'too-many-codes' });
    expect(decideAttempt(s, TOKEN, { code: '111111' }, null, after(2 * CODE_RESEND_MS)).outcome).toBe('wrong');
    expect(decideAttempt(s, TOKEN, { code: '222222' }, null, after(2 * CODE_RESEND_MS)).outcome).toBe('confirmed');
  });

  it('shows only the end of a number and the first letter of an address', () => {
    expect(maskedTelecom('sms', '+33612345678')).toBe('…78');
    expect(maskedTelecom('email', 'jeanne@example.org')).toBe('j…@example.org');
  });
});
