/**
 * The Patients tab: the directory with each identity's status and place, the likely duplicates with a
 * merge that asks for confirmation first, the creation form, the patient's own contact (read, set,
 * removed) and the admit/transfer/discharge form. Every refusal of the directory API (an INS whose key is wrong, an unknown cart…) shows as worded.
 */
import { byId, el } from '@telecart/ui/browser';
import { type admin, format, type TextsOf } from '@telecart/ui/i18n';
import { call, type Reply } from './api.js';

interface Patient {
  id: string;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  identityStatus: 'provisional' | 'recovered' | 'validated' | 'qualified' | null;
  gatewayId: string | null;
  localId: string | null;
  dischargedAt: string | null;
  mergedInto: string | null;
}
/** GET /api/directory/patients/:id/contact: null never set; both fields null: removed. */
interface Contact {
  email: string | null;
  phone: string | null;
  updatedAt: string;
  updatedBy: string;
}
interface Duplicate {
  a: string;
  b: string;
  reason: 'same-ins' | 'same-name-birth-date';
}

const STATUS = {
  provisional: 'statusProvisional',
  recovered: 'statusRecovered',
  validated: 'statusValidated',
  qualified: 'statusQualified',
} as const;

export function startPatients(t: TextsOf<typeof admin>): void {
  const body = byId('patients').querySelector('tbody') as HTMLTableSectionElement;
  const message = byId('patients-message');
  const duplicates = byId('duplicates');
  const noDuplicates = byId('duplicates-empty');
  const create = byId<HTMLFormElement>('patient-form');
  const movement = byId<HTMLFormElement>('movement-form');
  const movementPatient = byId<HTMLSelectElement>('movement-patient');
  const contactForm = byId<HTMLFormElement>('contact-form');
  const contactPatient = byId<HTMLSelectElement>('contact-patient');
  const contactEmail = byId<HTMLInputElement>('contact-email');
  const contactPhone = byId<HTMLInputElement>('contact-phone');
  const contactState = byId('contact-state');

  const say = (r: Reply<unknown>, done: string = t.done) => {
    message.textContent = r.ok ? done : r.message ? format(t.refused, { message: r.message }) : t.error;
  };
  const name = (p: Patient) => [p.family?.toUpperCase(), p.given].filter(Boolean).join(' ');
  const place = (p: Patient) =>
    p.mergedInto
      ? format(t.mergedInto, { id: p.mergedInto })
      : p.dischargedAt
        ? t.discharged
        : p.gatewayId
          ? `${p.gatewayId}${p.localId ? ` (${p.localId})` : ''}`
          : '';

  /** The pair's row: a button per survivor; the merge runs only after the confirmation that names both. */
  function duplicateRow(d: Duplicate): HTMLLIElement {
    const li = el(
      'li',
      { 'data-duplicate': `${d.a} ${d.b}` },
      `${d.a} · ${d.b} — ${d.reason === 'same-ins' ? t.sameIns : t.sameNameBirthDate} `,
    );
    for (const [survivor, duplicate] of [
      [d.a, d.b],
      [d.b, d.a],
    ] as const) {
      const keep = el('button', { type: 'button', 'data-keep': survivor }, format(t.keep, { id: survivor }));
      keep.addEventListener('click', () => {
        const yes = el('button', { type: 'button', 'data-confirm': 'merge' }, t.merge);
        const no = el('button', { type: 'button', 'data-confirm': 'cancel' }, t.cancel);
        const ask = el('p', { class: 'confirm', role: 'alertdialog' }, format(t.confirmMerge, { survivor, duplicate }), ' ', yes, ' ', no);
        li.querySelector('.confirm')?.remove();
        li.append(ask);
        no.addEventListener('click', () => ask.remove());
        yes.addEventListener('click', () => {
          void call('POST', 'api/directory/merge', { survivor, duplicate }).then(async (r) => {
            say(r, format(t.merged, { survivor, duplicate }));
            await load();
          });
        });
      });
      li.append(keep, ' ');
    }
    return li;
  }

  async function load(): Promise<void> {
    const [list, dups] = await Promise.all([
      call<{ patients: Patient[] }>('GET', 'api/directory/patients'),
      call<{ duplicates: Duplicate[] }>('GET', 'api/directory/duplicates'),
    ]);
    if (!list.ok) return say(list);
    if (!dups.ok) return say(dups);
    const patients = list.body.patients;
    body.replaceChildren(
      ...patients.map((p) =>
        el(
          'tr',
          { 'data-patient': p.id, 'data-status': p.identityStatus ?? '' },
          el('td', {}, p.id),
          el('td', {}, name(p)),
          el('td', {}, p.birthDate ?? ''),
          el('td', {}, p.identityStatus ? t[STATUS[p.identityStatus]] : ''),
          el('td', {}, place(p)),
        ),
      ),
    );
    const options = () => patients.filter((p) => p.mergedInto === null).map((p) => el('option', { value: p.id }, `${name(p)} (${p.id})`));
    movementPatient.replaceChildren(...options());
    const chosen = contactPatient.value;
    contactPatient.replaceChildren(...options());
    if (patients.some((p) => p.id === chosen)) contactPatient.value = chosen;
    await showContact();
    duplicates.replaceChildren(...dups.body.duplicates.map(duplicateRow));
    noDuplicates.hidden = dups.body.duplicates.length > 0;
  }

  create.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(create);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const payload: Record<string, unknown> = {
      id: text('id'),
      family: text('family'),
      given: text('given'),
      birthDate: text('birthDate'),
      identityStatus: text('identityStatus'),
    };
    if (text('ins')) {
      payload.ins = text('ins');
      payload.insOid = text('insOid');
    }
    void call('POST', 'api/directory/patients', payload).then(async (r) => {
      say(r);
      if (r.ok) create.reset();
      await load();
    });
  });

  /** The chosen patient's contact in the form, with who changed it last. */
  async function showContact(): Promise<void> {
    const id = contactPatient.value;
    if (!id) return;
    const r = await call<{ contact: Contact | null }>('GET', `api/directory/patients/${encodeURIComponent(id)}/contact`);
    if (!r.ok) return say(r);
    const c = r.body.contact;
    contactEmail.value = c?.email ?? '';
    contactPhone.value = c?.phone ?? '';
    const when = (at: string) => new Date(at).toLocaleString(document.documentElement.lang || undefined);
    contactState.textContent =
      c === null
        ? t.contactNone
        : format(c.email === null && c.phone === null ? t.contactRemovedBy : t.contactSetBy, { by: c.updatedBy, at: when(c.updatedAt) });
  }
  contactPatient.addEventListener('change', () => void showContact());
  contactForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = contactPatient.value;
    const payload = { email: contactEmail.value.trim(), phone: contactPhone.value.trim() };
    void call('PUT', `api/directory/patients/${encodeURIComponent(id)}/contact`, payload).then(async (r) => {
      say(r, format(t.contactSaved, { id }));
      if (r.ok) await showContact();
    });
  });
  byId('contact-remove').addEventListener('click', () => {
    const id = contactPatient.value;
    void call('DELETE', `api/directory/patients/${encodeURIComponent(id)}/contact`).then(async (r) => {
      say(r, format(t.contactRemoved, { id }));
      if (r.ok) await showContact();
    });
  });

  movement.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(movement);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const kind = text('kind');
    const path = `api/directory/patients/${encodeURIComponent(text('patient'))}/${kind}`;
    const payload: Record<string, unknown> = {};
    if (kind === 'discharge') {
      if (text('reason')) payload.reason = text('reason');
    } else {
      payload.gateway = text('gateway');
      if (text('localId')) payload.localId = text('localId');
    }
    void call('POST', path, payload).then(async (r) => {
      say(r);
      await load();
    });
  });

  void load();
}
