import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, isTimeZone, nearestKey, parseCalendarInstant, urlProblem, validateConfig } from './config-validation.js';

const Schema = Type.Object(
  {
    mode: Type.Union([Type.Literal('cart'), Type.Literal('home')]),
    port: Type.Integer({ minimum: 0, default: 8081 }),
    urls: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  },
  { additionalProperties: false },
);

const issues = (raw: unknown) => {
  const r = validateConfig(Schema, raw);
  return r.ok ? [] : r.issues;
};

describe('config validation', () => {
  it('lists the allowed values of a union of literals, and the kinds of other unions', () => {
    expect(issues({ mode: 'kart' })).toEqual([{ path: ['mode'], message: 'expected one of "cart", "home" (got "kart")' }]);
    expect(issues({ mode: 'cart', urls: 5 })).toEqual([{ path: ['urls'], message: 'expected a string or a list of strings (got 5)' }]);
  });

  it('suggests the nearest key, transpositions included', () => {
    expect(issues({ mode: 'cart', prot: 1 })).toEqual([{ path: ['prot'], message: 'unknown key; did you mean "port"?' }]);
    expect(issues({ mode: 'cart', colour: 1 })[0]?.message).toBe('unknown key (this section has: mode, port, urls)');
    expect(nearestKey('gatwayId', ['gatewayId', 'mode'])).toBe('gatewayId');
    expect(nearestKey('zzz', ['gatewayId', 'mode'])).toBeUndefined();
  });

  it('reports a missing key once, next to its misspelling', () => {
    expect(issues({ Mdoe: 'cart' })).toEqual([
      {
        path: ['mode'],
        message: 'required key is missing (expected one of "cart", "home"); "Mdoe" looks like a misspelling of it',
        at: ['Mdoe'],
      },
    ]);
  });

  it('runs the semantic pass only on a schema-valid config, after defaults', () => {
    const seen: unknown[] = [];
    const semantic = (c: unknown) => {
      seen.push(c);
      return [{ path: ['port'], message: 'taken' }];
    };
    expect(validateConfig(Schema, { mode: 'x' }, semantic).ok).toBe(false);
    expect(seen).toEqual([]);
    expect(validateConfig(Schema, { mode: 'cart' }, semantic)).toEqual({ ok: false, issues: [{ path: ['port'], message: 'taken' }] });
    expect(seen).toEqual([{ mode: 'cart', port: 8081 }]);
  });

  it('takes real calendar days and instants only', () => {
    expect(parseCalendarInstant('2026-01-05')).toBe(Date.UTC(2026, 0, 5));
    expect(parseCalendarInstant('2026-01-05T08:30:00+01:00')).toBe(Date.UTC(2026, 0, 5, 7, 30));
    for (const bad of ['2026-02-30', '2026-13-01', '2026-01-05T24:00Z', '2026-01-05T08:30', '5 Jan 2026'])
      expect(parseCalendarInstant(bad)).toBeNull();
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
  });

  it('knows IANA zones and URLs', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    // Outside Intl.supportedValuesOf's canonical list, still accepted as Intl accepts them.
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('US/Eastern')).toBe(true);
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(urlProblem('http://10.0.0.5/onvif/device_service', ['http:', 'https:'])).toBeUndefined();
    expect(urlProblem('not a url', ['http:', 'https:'])).toMatch(/expected a URL such as http:\/\/host\/path/);
    expect(urlProblem('ftp://x', ['http:', 'https:'])).toMatch(/starting http:\/\/ or https:\/\//);
  });
});
