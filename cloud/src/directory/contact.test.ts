import { describe, expect, it } from 'vitest';
import { contactChange, contactOf, emailAddress, mobileNumber } from './contact.js';

describe('the patient contact as typed', () => {
  it('takes French mobiles as people type them, in E.164', () => {
    for (const typed of [
      '06 12 34 56 78',
      '0612345678',
      '06.12.34.56.78',
      '06-12-34-56-78',
      '+33 6 12 34 56 78',
      '+33 (0)6 12 34 56 78',
      '0033612345678',
    ])
      expect(mobileNumber(typed), typed).toEqual({ ok: true, value: '+33612345678' });
    expect(mobileNumber('07 98 76 54 32')).toEqual({ ok: true, value: '+33798765432' });
    // Another country's number is kept as given in international form.
    expect(mobileNumber('+32 470 12 34 56')).toEqual({ ok: true, value: '+32470123456' });
  });

  it('refuses what is not a mobile number, saying why', () => {
    expect(mobileNumber('01 23 45 67 89')).toEqual({
      ok: false,
      message: 'phone "01 23 45 67 89" is not a mobile number (06 or 07): the patient\'s messages go by SMS',
    });
    expect(mobileNumber('06 12 34')).toEqual({
      ok: false,
      message: 'phone "06 12 34" is not a phone number: type it as 06 12 34 56 78 or +33 6 12 34 56 78',
    });
    expect(mobileNumber('+33 6 12 34 56 78 9')).toMatchObject({ ok: false, message: expect.stringMatching(/not a French number/) });
    expect(mobileNumber('call me')).toMatchObject({ ok: false, message: expect.stringMatching(/^phone "call me" is not a phone number/) });
  });

  it('checks an e-mail address', () => {
    expect(emailAddress(' jeanne@example.org ')).toEqual({ ok: true, value: 'jeanne@example.org' });
    for (const bad of ['jeanne', 'jeanne@', 'jeanne@example', 'a b@example.org', 'x@@example.org'])
      expect(emailAddress(bad), bad).toEqual({ ok: false, message: `e-mail ${JSON.stringify(bad)} is not an address (name@domain.fr)` });
  });

  it('takes an empty field as none, and says the first refusal', () => {
    expect(contactOf({ email: '', phone: '06 12 34 56 78' })).toEqual({ ok: true, value: { email: null, phone: '+33612345678' } });
    expect(contactOf({})).toEqual({ ok: true, value: { email: null, phone: null } });
    expect(contactOf({ email: 'nope', phone: 'nope' })).toMatchObject({ ok: false, message: expect.stringMatching(/^e-mail/) });
  });

  it('audits which fields changed, the values masked', () => {
    const line = contactChange({ email: 'jeanne@example.org', phone: null }, { email: 'jeanne@example.org', phone: '+33612345678' });
    expect(line).toBe('contact: phone set to …78');
    expect(contactChange({ email: 'jeanne@example.org', phone: '+33612345678' }, { email: 'paul@example.net', phone: null })).toBe(
      'contact: e-mail changed (was j…@example.org) to p…@example.net; phone removed (was …78)',
    );
    expect(contactChange(null, { email: null, phone: null })).toBe('contact unchanged');
  });
});
