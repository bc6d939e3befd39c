/**
 * The patient's own contact as the directory takes it (docs/patient-directory.md « The patient's
 * contact »): an e-mail address and a mobile number, each optional. A number is kept in E.164, as the
 * SMS transport sends it; French numbers are accepted as people type them (`06 12 34 56 78`,
 * `06.12.34.56.78`, `0033 6…`, `+33 (0)6…`) and only mobiles (06, 07) are, since the number gets SMS.
 * A ten-digit national number is taken as metropolitan France (+33): an overseas mobile is typed with
 * its own code (+590 690…). Pure functions: the routes (JSON and FHIR) give the refusal's words back.
 */
import type { CodeChannel } from '../teleconsult/identity-check.js';
import { maskedTelecom } from '../teleconsult/identity-check.js';

export interface ContactFields {
  email: string | null;
  phone: string | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const E164 = /^\+[1-9][0-9]{6,14}$/;
/** As the configuration's addresses (teleconsult/config.ts Telecom), and a dot in the domain. */
const EMAIL = /^[^@\s<>]+@[^@\s<>.]+(\.[^@\s<>.]+)+$/;
const HOW = 'type it as 06 12 34 56 78 or +33 6 12 34 56 78';

/** A mobile number in E.164, from what someone typed, or why not. */
export function mobileNumber(typed: string): Checked<string> {
  const shown = JSON.stringify(typed.slice(0, 40));
  if (!/^[0-9+\s.\-()/]+$/.test(typed)) return { ok: false, message: `phone ${shown} is not a phone number: ${HOW}` };
  let n = typed.replace(/\(0\)/g, '').replace(/[\s.\-()/]/g, '');
  if (n.startsWith('00')) n = `+${n.slice(2)}`;
  if (/^0[1-9][0-9]{8}$/.test(n)) n = `+33${n.slice(1)}`;
  if (!E164.test(n)) return { ok: false, message: `phone ${shown} is not a phone number: ${HOW}` };
  if (n.startsWith('+33')) {
    const national = n.slice(3);
    if (!/^[1-9][0-9]{8}$/.test(national))
      return { ok: false, message: `phone ${shown} is not a French number (9 digits after +33): ${HOW}` };
    if (!/^[67]/.test(national))
      return { ok: false, message: `phone ${shown} is not a mobile number (06 or 07): the patient's messages go by SMS` };
  }
  return { ok: true, value: n };
}

/** An e-mail address as typed (trimmed), or why not. */
export function emailAddress(typed: string): Checked<string> {
  const e = typed.trim();
  if (e.length > 320 || !EMAIL.test(e))
    return { ok: false, message: `e-mail ${JSON.stringify(typed.slice(0, 80))} is not an address (name@domain.fr)` };
  return { ok: true, value: e };
}

/** The contact given (absent or empty: none), checked and normalised; the first refusal's words. */
export function contactOf(given: { email?: string | null | undefined; phone?: string | null | undefined }): Checked<ContactFields> {
  let email: string | null = null;
  let phone: string | null = null;
  if (given.email != null && given.email.trim() !== '') {
    const e = emailAddress(given.email);
    if (!e.ok) return e;
    email = e.value;
  }
  if (given.phone != null && given.phone.trim() !== '') {
    const p = mobileNumber(given.phone);
    if (!p.ok) return p;
    phone = p.value;
  }
  return { ok: true, value: { email, phone } };
}

/**
 * The audit line of a change: which fields changed, each value masked as the identity code's lines
 * mask it (`…78`, `j…@example.org`), never in clear: the trail is read by auditors who check who
 * changed what, not where the patient can be reached (the directory shows that to who manages them).
 */
export function contactChange(before: ContactFields | null, after: ContactFields): string {
  const parts: string[] = [];
  const field = (label: string, ch: CodeChannel, was: string | null, now: string | null) => {
    if (was === now) return;
    const m = (v: string) => maskedTelecom(ch, v);
    if (now === null) parts.push(`${label} removed${was === null ? '' : ` (was ${m(was)})`}`);
    else parts.push(`${label} ${was === null ? 'set' : `changed (was ${m(was)})`} to ${m(now)}`);
  };
  field('e-mail', 'email', before?.email ?? null, after.email);
  field('phone', 'sms', before?.phone ?? null, after.phone);
  return parts.length === 0 ? 'contact unchanged' : `contact: ${parts.join('; ')}`;
}

/**
 * The audit line of the messages withdrawn from the outbox for a former address: how many, of which
 * kind (from their topics), to which address (masked as above).
 */
export function withdrawnDetail(withdrawn: readonly { topic: string; recipient: string }[]): string {
  const kind = (topic: string) =>
    topic.startsWith('appointment-reminder:') ? 'reminder' : topic.startsWith('appointment-cancel:') ? 'cancellation' : 'invitation';
  const by = new Map<string, Map<string, number>>();
  for (const w of withdrawn) {
    const to = maskedTelecom(w.recipient.includes('@') ? 'email' : 'sms', w.recipient);
    const kinds = by.get(to) ?? new Map<string, number>();
    kinds.set(kind(w.topic), (kinds.get(kind(w.topic)) ?? 0) + 1);
    by.set(to, kinds);
  }
  const parts = [...by].map(([to, kinds]) => `${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')} to ${to}`);
  return `queued for the former contact, withdrawn: ${parts.join('; ')}`.slice(0, 500);
}
