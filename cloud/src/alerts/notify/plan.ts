/**
 * What an alert notification says and when it may leave: pure functions of the alert, the team's
 * configuration and the time (no I/O). Messages carry no measured value: the rule's name, the
 * severity, the patient's initials and a dashboard link (docs/notifications.md).
 */
import { format, type Lang, notify, textsIn } from '@telecart/ui';
import type { AlertRecord, OutboxInput } from '../../store/cloud-store.js';
import type { NotifyContact, NotifyTeam, QuietHours } from './config.js';

const MINUTE = 60_000;

/** Local calendar date (YYYY-MM-DD) and minutes since local midnight of an instant in a zone. */
export function localClock(at: Date, timeZone: string): { date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isQuiet(at: Date, q: QuietHours, timeZone: string): boolean {
  const m = localClock(at, timeZone).minutes;
  const from = minutesOf(q.from);
  const to = minutesOf(q.to);
  if (from === to) return false;
  return from < to ? m >= from && m < to : m >= from || m < to;
}

/**
 * `at` if outside the quiet hours, else the first minute after them. Walks minute by minute (at
 * most a day) so a change of daylight saving time inside the window is counted as the wall clock does.
 */
export function quietUntil(at: Date, q: QuietHours | undefined, timeZone: string): Date {
  if (q === undefined || !isQuiet(at, q, timeZone)) return at;
  const start = Math.floor(at.getTime() / MINUTE) * MINUTE;
  for (let i = 1; i <= 1500; i++) {
    const t = new Date(start + i * MINUTE);
    if (!isQuiet(t, q, timeZone)) return t;
  }
  return at;
}

/** "J. M." for Jeanne Martin: given name, then family name; '?' when unknown. */
export function initialsOf(p: { given: string | null; family: string | null } | null): string {
  const i = (s: string | null | undefined) => (s?.trim() ? `${[...s.trim()][0]?.toUpperCase()}.` : '');
  const out = [i(p?.given), i(p?.family)].filter((s) => s !== '').join(' ');
  return out === '' ? '?' : out;
}

export interface AlertContext {
  alert: AlertRecord;
  initials: string;
  /** Dashboard page of the patient (behind the login). */
  link: string;
}

function words(team: NotifyTeam, c: AlertContext) {
  const t = textsIn(notify, team.lang as Lang);
  const ruleKey = `rule:${c.alert.rule}` as keyof typeof t;
  const openedAt = new Intl.DateTimeFormat(team.lang === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone: team.timeZone,
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(c.alert.openedAt));
  return {
    t,
    values: {
      severity: c.alert.severity === 'critical' ? t.critical : t.warning,
      rule: ruleKey in t ? t[ruleKey] : c.alert.rule,
      initials: c.initials,
      link: c.link,
      openedAt,
    },
  };
}

/**
 * The messages of one level of one team for an alert: an e-mail and/or an SMS per contact. A
 * warning waits for the end of the contact's (else the team's) quiet hours; a critical alert does
 * not wait. `minutes`: how long the alert has been unacknowledged (escalation levels).
 */
export function levelMessages(team: NotifyTeam, level: number, c: AlertContext, now: Date, minutes: number): OutboxInput[] {
  const contacts: readonly NotifyContact[] = team.levels[level - 1]?.contacts ?? [];
  const { t, values } = words(team, c);
  const v = { ...values, minutes: Math.round(minutes), level };
  const escalated = level > 1;
  const out: OutboxInput[] = [];
  for (const p of contacts) {
    const notBefore = c.alert.severity === 'critical' ? now : quietUntil(now, p.quietHours ?? team.quietHours, team.timeZone);
    const base = { topic: `alert:${c.alert.id}`, notBefore };
    const key = (channel: string, to: string) => `alert:${c.alert.id}:${team.id}:L${level}:${channel}:${to}`;
    if (p.email !== undefined)
      out.push({
        ...base,
        idempotencyKey: key('email', p.email),
        recipient: p.email,
        payload: {
          kind: 'email',
          subject: format(escalated ? t.subjectEscalated : t.subject, v),
          text: escalated ? `${format(t.bodyEscalated, v)}\n\n${format(t.body, v)}` : format(t.body, v),
        },
      });
    if (p.phone !== undefined)
      out.push({
        ...base,
        idempotencyKey: key('sms', p.phone),
        recipient: p.phone,
        payload: { kind: 'sms', text: format(escalated ? t.smsEscalated : t.sms, v) },
      });
  }
  return out;
}

/** The daily digest e-mail of a team's open alerts, to its first level's e-mail contacts. */
export function digestMessages(team: NotifyTeam, open: readonly AlertContext[], now: Date): OutboxInput[] {
  const t = textsIn(notify, team.lang as Lang);
  const { date, minutes } = localClock(now, team.timeZone);
  const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const lines = open.map((c) => format(t.digestLine, words(team, c).values));
  const text = [format(t.digestIntro, { date, time }), '', ...(lines.length > 0 ? lines : [t.digestNone])].join('\n');
  const subject = format(t.digestSubject, { count: open.length, date });
  return (team.levels[0]?.contacts ?? []).flatMap((p) =>
    p.email === undefined
      ? []
      : [
          {
            idempotencyKey: `digest:${team.id}:${date}:${p.email}`,
            topic: `digest:${team.id}:${date}`,
            recipient: p.email,
            payload: { kind: 'email' as const, subject, text },
            notBefore: now,
          },
        ],
  );
}
