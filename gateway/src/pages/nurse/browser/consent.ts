/**
 * The consent for the next call (CSP R.6316-2): the patient's, or a named representative's, oral or
 * written, confirmed by the nurse. Per act and per patient: cleared after a call and when the patient changes.
 */
import { byId } from '@telecart/ui/browser';

export interface Consent {
  by: 'patient' | 'representative';
  method: 'oral' | 'written';
  representative?: { name: string; relation: string };
}

export const CONSENT_FIELDS = ['tc-by-patient', 'tc-by-rep', 'tc-method', 'tc-confirm', 'tc-rep-name', 'tc-rep-relation'] as const;

const input = (id: string) => byId<HTMLInputElement>(id);
const method = () => byId<HTMLSelectElement>('tc-method');

/** The consent as recorded, or null while incomplete (also shows the representative's fields when chosen). */
export function consentValue(): Consent | null {
  const rep = input('tc-by-rep').checked;
  byId('tc-rep').hidden = !rep;
  if (!input('tc-confirm').checked) return null;
  const c: Consent = { by: rep ? 'representative' : 'patient', method: method().value === 'written' ? 'written' : 'oral' };
  if (!rep) return c;
  const name = input('tc-rep-name').value.trim();
  const relation = input('tc-rep-relation').value.trim();
  return name && relation ? { ...c, representative: { name, relation } } : null;
}

export function resetConsent(): void {
  input('tc-by-patient').checked = true;
  method().value = 'oral';
  input('tc-rep-name').value = '';
  input('tc-rep-relation').value = '';
  input('tc-confirm').checked = false;
}
