import { describe, expect, it } from 'vitest';
import { validateCloudConfig } from '../../config.js';
import { initialsOf, isQuiet, localClock, quietUntil } from './plan.js';

const PARIS = 'Europe/Paris';

describe('quiet hours in the team time zone', () => {
  const night = { from: '21:00', to: '07:30' };

  it('an overnight window: inside before and after midnight, outside in the day; its end in UTC', () => {
    expect(isQuiet(new Date('2026-12-07T20:30:00Z'), night, PARIS)).toBe(true); // 21:30
    expect(isQuiet(new Date('2026-12-08T05:00:00Z'), night, PARIS)).toBe(true); // 06:00
    expect(isQuiet(new Date('2026-12-08T06:30:00Z'), night, PARIS)).toBe(false); // 07:30
    expect(isQuiet(new Date('2026-12-08T12:00:00Z'), night, PARIS)).toBe(false);
    expect(quietUntil(new Date('2026-12-07T22:00:00Z'), night, PARIS).toISOString()).toBe('2026-12-08T06:30:00.000Z');
    const day = new Date('2026-12-08T12:00:00Z');
    expect(quietUntil(day, night, PARIS)).toBe(day);
    expect(quietUntil(day, undefined, PARIS)).toBe(day);
  });

  it('counts on the wall clock across the change to summer time (29 March 2026: 02:00 → 03:00 in Paris)', () => {
    // 23:00 CET on 28 March; 07:30 CEST on 29 March is 05:30 UTC, not 06:30.
    expect(quietUntil(new Date('2026-03-28T22:00:00Z'), { from: '21:00', to: '07:30' }, PARIS).toISOString()).toBe(
      '2026-03-29T05:30:00.000Z',
    );
  });

  it('gives the local date and minutes of an instant', () => {
    expect(localClock(new Date('2026-12-31T23:30:00Z'), PARIS)).toEqual({ date: '2027-01-01', minutes: 30 });
  });
});

describe('initials', () => {
  it('given then family, first letter each; ? when unknown', () => {
    expect(initialsOf({ given: 'jeanne', family: 'Martin' })).toBe('J. M.');
    expect(initialsOf({ given: 'Émile', family: null })).toBe('É.');
    expect(initialsOf(null)).toBe('?');
  });
});

describe('alertNotifications configuration check', () => {
  const base = {
    patients: [],
    alertNotifications: {
      teams: [
        {
          id: 'ic',
          programmes: ['heart-failure'],
          levels: [{ contacts: [{ name: 'IDE', email: 'ide@example.org', phone: '+33612345678' }, { name: 'Nobody' }] }],
        },
        { id: 'ic', programmes: ['copd'], timeZone: 'Europe/Pariss', levels: [{ contacts: [{ name: 'X', email: 'x@example.org' }] }] },
      ],
    },
  };

  it('refuses a contact nobody can reach, a channel without its transport, a duplicate team and an unknown zone', () => {
    const r = validateCloudConfig(base);
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'alertNotifications.teams.0.levels.0.contacts.0.email: an e-mail contact needs outbox.email (the SMTP server)',
        'alertNotifications.teams.0.levels.0.contacts.0.phone: an SMS contact needs outbox.sms (the SMS provider)',
        'alertNotifications.teams.0.levels.0.contacts.1: contact "Nobody" has neither email nor phone: nobody would be told',
        'alertNotifications.teams.1.id: duplicate team id "ic"',
        'alertNotifications.teams.1.timeZone: unknown time zone "Europe/Pariss"',
      ]),
    );
  });

  it('accepts the same teams once the transports are configured and the mistakes fixed', () => {
    const r = validateCloudConfig({
      patients: [],
      outbox: {
        email: { host: 'smtp.example', from: 'alertes@example.org' },
        sms: { provider: 'brevo', apiKeyEnv: 'BREVO_KEY', sender: 'Telecart' },
      },
      alertNotifications: {
        teams: [
          {
            id: 'ic',
            programmes: ['heart-failure'],
            levels: [{ contacts: [{ name: 'IDE', email: 'ide@example.org', phone: '+33612345678' }] }],
          },
        ],
      },
    });
    expect(r.ok ? [] : r.issues).toEqual([]);
    if (r.ok) expect(r.value.alertNotifications.teams[0]).toMatchObject({ timeZone: 'Europe/Paris', lang: 'fr' });
  });
});
