import { describe, expect, it } from 'vitest';
import { CATALOGUE } from './catalogue.js';
import { LANGS } from './types.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the French/English catalogue', () => {
  const entries = Object.entries(CATALOGUE).flatMap(([ns, messages]) =>
    Object.entries(messages as Record<string, Record<string, unknown>>).map(([key, m]) => ({ id: `${ns}.${key}`, m })),
  );

  it('has every message in both languages, none empty', () => {
    for (const { id, m } of entries) {
      for (const lang of LANGS) expect(typeof m[lang] === 'string' && (m[lang] as string).trim() !== '', `${id}.${lang}`).toBe(true);
      expect(Object.keys(m).sort(), id).toEqual([...LANGS].sort());
    }
  });

  it('gives both languages of a message the same {placeholders}', () => {
    for (const { id, m } of entries) expect(placeholders(m.en as string), id).toEqual(placeholders(m.fr as string));
  });
});
