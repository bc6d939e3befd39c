/**
 * The `alertNotifications` section: who is told of an alert, by e-mail and/or SMS, per
 * telemonitoring programme; escalation levels, quiet hours (in the team's time zone) and the daily
 * digest. docs/notifications.md.
 */
import { type Static, Type } from '@sinclair/typebox';
import { type ConfigIssue, isTimeZone } from '@telecart/protocol';
import { PROGRAMMES } from '../config.js';

const HHMM = (description: string) => Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description });

export const QuietHours = Type.Object(
  {
    from: HHMM('start of the quiet hours, local time (e.g. 21:00)'),
    to: HHMM('end of the quiet hours, local time (e.g. 07:30); before `from` = overnight'),
  },
  {
    additionalProperties: false,
    description: 'warnings wait until the end of these hours; critical alerts are sent at once (docs/notifications.md)',
  },
);
export type QuietHours = Static<typeof QuietHours>;

export const NotifyContact = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'who (shown in the logs, never sent)' }),
    email: Type.Optional(
      Type.String({ pattern: '^[^@\\s<>]+@[^@\\s<>]+$', maxLength: 320, description: 'e-mail address (needs outbox.email)' }),
    ),
    phone: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 mobile number for SMS, e.g. +33612345678' })),
    quietHours: Type.Optional(QuietHours),
  },
  { additionalProperties: false, description: 'someone told by e-mail and/or SMS' },
);
export type NotifyContact = Static<typeof NotifyContact>;

export const NotifyLevel = Type.Object(
  {
    afterMinutes: Type.Number({
      minimum: 0,
      maximum: 10_080,
      default: 0,
      description: 'minutes after the previous level without acknowledgement (ignored for the first level: it is told at once)',
    }),
    contacts: Type.Array(NotifyContact, { minItems: 1, maxItems: 50, description: 'who is told at this level' }),
  },
  { additionalProperties: false },
);

export const NotifyTeam = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'unique team id (in the logs and the digest keys)',
    }),
    programmes: Type.Array(Type.Union(PROGRAMMES.map((p) => Type.Literal(p))), {
      minItems: 1,
      uniqueItems: true,
      description: 'the telemonitoring programmes whose alerts this team receives',
    }),
    site: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$',
        description:
          "the site (teleconsult.sites) whose patients this team is told of, and whose administrator edits it on the administration page; without it, every site's patients of its programmes",
      }),
    ),
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'Europe/Paris',
      description: 'IANA zone of the quiet hours and the digest',
    }),
    lang: Type.Union([Type.Literal('fr'), Type.Literal('en')], { default: 'fr', description: 'language of the messages' }),
    quietHours: Type.Optional(QuietHours),
    digestAt: Type.Optional(HHMM('local time of the daily e-mail digest of open alerts to the first level (none without it)')),
    levels: Type.Array(NotifyLevel, {
      minItems: 1,
      maxItems: 5,
      description: 'level 1 is told at once; each next one if still unacknowledged',
    }),
  },
  { additionalProperties: false, description: 'an on-call telemonitoring team' },
);
export type NotifyTeam = Static<typeof NotifyTeam>;

export const AlertNotificationsConfig = Type.Object(
  {
    dashboardUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: "origin of the links in the messages (default publicBaseUrl, else the cloud's URL)",
      }),
    ),
    checkEverySeconds: Type.Number({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: 'how often escalations and digests are looked for',
    }),
    teams: Type.Array(NotifyTeam, { default: [], maxItems: 100, description: 'on-call teams; none = no alert notification' }),
  },
  { additionalProperties: false, default: {}, description: 'alert notifications by e-mail and SMS (docs/notifications.md)' },
);
export type AlertNotificationsConfig = Static<typeof AlertNotificationsConfig>;

/** What the schema cannot say: real time zones, unique team ids, a channel the outbox can send. */
export function checkAlertNotifications(
  c: { teams?: readonly NotifyTeam[] } | undefined,
  outbox: { email?: unknown; sms?: unknown } | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Set<string>();
  (c?.teams ?? []).forEach((t, i) => {
    const at = ['alertNotifications', 'teams', i];
    if (ids.has(t.id)) issues.push({ path: [...at, 'id'], message: `duplicate team id "${t.id}"` });
    ids.add(t.id);
    if (!isTimeZone(t.timeZone)) issues.push({ path: [...at, 'timeZone'], message: `unknown time zone "${t.timeZone}"` });
    for (const [j, l] of t.levels.entries())
      for (const [k, p] of l.contacts.entries()) {
        const where = [...at, 'levels', j, 'contacts', k];
        if (p.email === undefined && p.phone === undefined)
          issues.push({ path: where, message: `contact "${p.name}" has neither email nor phone: nobody would be told` });
        if (p.email !== undefined && outbox?.email === undefined)
          issues.push({ path: [...where, 'email'], message: 'an e-mail contact needs outbox.email (the SMTP server)' });
        if (p.phone !== undefined && outbox?.sms === undefined)
          issues.push({ path: [...where, 'phone'], message: 'an SMS contact needs outbox.sms (the SMS provider)' });
      }
  });
  return issues;
}
