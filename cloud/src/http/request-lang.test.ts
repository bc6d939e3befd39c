import { describe, expect, it } from 'vitest';
import { requestLang } from './request-lang.js';

const lang = (h?: string) => requestLang({ headers: h === undefined ? {} : { 'accept-language': h } });

describe('requestLang', () => {
  it('takes the first language the product speaks, by weight then order', () => {
    expect(lang('fr')).toBe('fr');
    expect(lang('fr-FR,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(lang('de-DE,en-GB;q=0.7,fr;q=0.9')).toBe('fr');
    expect(lang('en-GB, fr')).toBe('en');
    expect(lang('fr;q=0, en')).toBe('en');
  });

  it('answers English to a client that names none the product speaks', () => {
    expect(lang()).toBe('en');
    expect(lang('*')).toBe('en');
    expect(lang('de, it;q=0.5')).toBe('en');
  });
});
