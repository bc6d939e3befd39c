import { Type } from '@sinclair/typebox';
import { validateConfig } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import { ConfigError, jsonValue, parseConfigText } from './load-config.js';

const Schema = Type.Object(
  {
    gatewayId: Type.String({ pattern: '^[a-z0-9-]+$' }),
    sync: Type.Object({ batchMaxCount: Type.Integer({ minimum: 1, default: 200 }) }, { default: {} }),
    patients: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false }), { default: [] }),
  },
  { additionalProperties: false },
);
const validate = (raw: unknown) => validateConfig(Schema, raw);

function problems(text: string): string[] {
  try {
    parseConfigText(validate, text, 'cart.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config loader', () => {
  it('applies defaults', () => {
    expect(parseConfigText(validate, 'gatewayId: cart-1\n', 'cart.yaml')).toEqual({
      gatewayId: 'cart-1',
      sync: { batchMaxCount: 200 },
      patients: [],
    });
  });

  it('names the line, the key and what was expected', () => {
    const p = problems('gatewayId: cart-1\nsync:\n  batchMaxCount: ten\n');
    expect(p[0]).toMatch(/^line 3: sync\.batchMaxCount: expected integer \(got "ten"\)$/);
  });

  it('reports missing keys, unknown keys and array items by index', () => {
    expect(problems('sync: {}\n').join('\n')).toMatch(/gatewayId: required key is missing/i);
    expect(problems('gatewayId: a\ncolour: blue\n').join('\n')).toMatch(/line 2: colour: unknown key/);
    expect(problems('gatewayId: a\npatients:\n  - id: x\n  - nom: y\n').join('\n')).toMatch(/line 4: patients\.1/);
  });

  it('points a missing key at its misspelling, once', () => {
    expect(problems('sync: {}\ngatwayid: cart-1\n')).toEqual([
      'line 2: gatewayId: required key is missing (expected a string); "gatwayid" looks like a misspelling of it',
    ]);
  });

  it('refuses an empty file, and one with only comments', () => {
    expect(problems('')).toEqual([expect.stringMatching(/the file is empty/)]);
    expect(problems('# nothing yet\n')).toEqual([expect.stringMatching(/the file is empty/)]);
  });

  it('checks command-line overrides with the file', () => {
    expect(() => parseConfigText(validate, 'gatewayId: cart-1\n', 'cart.yaml', { gatewayId: 'Bad Id' })).toThrow(/gatewayId: expected/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(problems('gatewayId: [unclosed\n')[0]).toMatch(/^line \d+: /);
  });

  it('the error message starts with the file name', () => {
    expect(() => parseConfigText(validate, 'x: 1', 'cart.yaml')).toThrow(/^cart\.yaml: invalid configuration/);
  });

  it('reads a JSON file as YAML would, and names the line of its problems', () => {
    const json = '{"gatewayId": "cart-1", "patients": [{"id": "a\\":b"}, {"id": "c"}]}';
    expect(parseConfigText(validate, json, 'cart.json')).toEqual(
      parseConfigText(validate, 'gatewayId: cart-1\npatients: [{id: "a\\":b"}, {id: c}]\n', 'cart.yaml'),
    );
    expect(parseConfigText(validate, json, 'cart.json').patients[0]?.id).toBe('a":b');
    expect(problems('{\n  "gatewayId": "cart-1",\n  "sync": {"batchMaxCount": "ten"}\n}\n')).toEqual([
      expect.stringMatching(/^line 3: sync\.batchMaxCount: expected integer/),
    ]);
  });

  it('refuses a JSON member name repeated in an object, with its line, as YAML does', () => {
    const twice = '{\n  "gatewayId": "cart-1",\n  "gatewayId": "cart-2"\n}\n';
    expect(jsonValue(twice)).toBeUndefined();
    expect(problems(twice)).toEqual([expect.stringMatching(/^line 3: .*unique/i)]);
    // The same name in two objects, a name-like string as a value, escaped quotes: not repeats.
    expect(jsonValue('{"a": {"x": 1}, "b": {"x": ":"}, "c": ["\\"d\\":", "e"]}')).toEqual({ a: { x: 1 }, b: { x: ':' }, c: ['"d":', 'e'] });
    expect(jsonValue('gatewayId: cart-1\n')).toBeUndefined();
    expect(jsonValue('{"gatewayId": "cart-1",}')).toBeUndefined();
  });
});
