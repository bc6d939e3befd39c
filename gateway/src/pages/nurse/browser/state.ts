/** The page's state, shared by its modules: the language shown, the residents, the selection, the nurse signed in. */
import { type Lang, nurse, type TextsOf, textsIn } from '@telecart/ui/i18n';
import type { Patient, SignedNurse } from './types.js';

type Texts = TextsOf<typeof nurse>;

const TEXTS: Record<Lang, Texts> = { fr: textsIn(nurse, 'fr'), en: textsIn(nurse, 'en') };

export const state: { lang: Lang; patients: Patient[]; current: Patient | null; nurse: SignedNurse | null } = {
  lang: (navigator.language || 'fr').startsWith('fr') ? 'fr' : 'en',
  patients: [],
  current: null,
  nurse: null,
};

/** The page's words in the language shown. */
export function t(): Texts {
  return TEXTS[state.lang];
}

export function isTextKey(key: string | undefined): key is keyof Texts {
  return key !== undefined && key in TEXTS.fr;
}

export function patientName(p: Patient): string {
  const name = [p.given, p.family].filter((n) => n !== null && n !== '').join(' ') || p.id;
  return `${name}${p.room ? ` (${p.room})` : ''}`;
}

/** The resident's name, or the bare id of one the page does not know. */
export function nameOf(id: string): string {
  const p = state.patients.find((x) => x.id === id);
  return p ? patientName(p) : id;
}
