/**
 * The page's language, switched in the browser: the server renders the asked language, the toggle
 * (or the choice kept in localStorage) re-translates every element that names its catalogue key
 * (data-i18n: text, data-i18n-aria: accessible name), then the page redraws what it built itself.
 */
import { byId, readJson } from '@telecart/ui/browser';
import { consult, isLang, type Lang, type TextsOf, textsIn } from '@telecart/ui/i18n';
import type { ConsultConfig } from '../config.js';

type Key = keyof typeof consult;
const STORAGE_KEY = 'telecart.lang';
/** Times in the page's language (as the page always did: day/month order of each country). */
const LOCALES: Readonly<Record<Lang, string>> = { fr: 'fr-FR', en: 'en-GB' };

export const config = readJson<ConsultConfig>('consult-config');
let current: Lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
let texts = textsIn(consult, current);

export function t(): TextsOf<typeof consult> {
  return texts;
}

export function lang(): Lang {
  return current;
}

export function locale(): string {
  return LOCALES[current];
}

/** An act status in the page's language (the cloud's wording), or the status itself if unknown. */
export function statusLabel(status: string): string {
  return config.statuses[current][status] ?? status;
}

const isKey = (k: string | undefined): k is Key => k !== undefined && Object.hasOwn(consult, k);

function applyChrome(redraw: () => void): void {
  document.documentElement.lang = current;
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = node.dataset.i18n;
    if (isKey(key)) node.textContent = texts[key];
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n-aria]')) {
    const key = node.dataset.i18nAria;
    if (isKey(key)) node.setAttribute('aria-label', texts[key]);
  }
  const toggle = byId('lang-toggle');
  toggle.textContent = texts.switchTo;
  toggle.setAttribute('lang', current === 'fr' ? 'en' : 'fr');
  redraw();
}

/** Takes the kept choice, wires the toggle and translates the page once; `redraw` redraws what the page built. */
export function initLanguage(redraw: () => void): void {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) current = saved;
  } catch {
    /* storage off */
  }
  texts = textsIn(consult, current);
  byId('lang-toggle').addEventListener('click', () => {
    current = current === 'fr' ? 'en' : 'fr';
    texts = textsIn(consult, current);
    try {
      localStorage.setItem(STORAGE_KEY, current);
    } catch {
      /* storage off */
    }
    applyChrome(redraw);
  });
  applyChrome(redraw);
}
