/**
 * One message of the catalogue: the same text in both languages of the product. The type makes a
 * message without its English or its French a compile error; i18n/catalogue.test.ts checks that
 * neither is empty and that both carry the same {placeholders}.
 */
export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export interface Message {
  readonly fr: string;
  readonly en: string;
}

export type Messages = Readonly<Record<string, Message>>;

/** The messages of one namespace in one language, keyed as in the catalogue. */
export type TextsOf<M extends Messages> = { readonly [K in keyof M]: string };

export function textsIn<M extends Messages>(messages: M, lang: Lang): TextsOf<M> {
  const out: Record<string, string> = {};
  for (const [key, m] of Object.entries(messages)) out[key] = m[lang];
  return out as TextsOf<M>;
}

/** Fills {name} placeholders; a placeholder without a value is left as it is (visible, not blank). */
export function format(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function isLang(value: unknown): value is Lang {
  return value === 'fr' || value === 'en';
}
