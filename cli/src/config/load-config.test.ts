import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './load-config.js';

const Schema = Type.Object(
  {
    gatewayId: Type.String({ pattern: '^[a-z0-9-]+$' }),
    sync: Type.Object({ batchMaxCount: Type.Integer({ minimum: 1, default: 200 }) }, { default: {} }),
    patients: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false }), { default: [] }),
  },
  { additionalProperties: false },
);

function problems(text: string): string[] {
  try {
    parseConfigText(Schema, text, 'cart.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config loader', () => {
  it('applies defaults', () => {
    expect(parseConfigText(Schema, 'gatewayId: cart-1\n', 'cart.yaml')).toEqual({
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
    expect(problems('sync: {}\n').join('\n')).toMatch(/gatewayId: .*required.*\(missing\)/i);
    expect(problems('gatewayId: a\ncolour: blue\n').join('\n')).toMatch(/unexpected property|additional/i);
    expect(problems('gatewayId: a\npatients:\n  - id: x\n  - nom: y\n').join('\n')).toMatch(/line 4: patients\.1/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(problems('gatewayId: [unclosed\n')[0]).toMatch(/^line \d+: /);
  });

  it('the error message starts with the file name', () => {
    expect(() => parseConfigText(Schema, 'x: 1', 'cart.yaml')).toThrow(/^cart\.yaml: invalid configuration/);
  });
});
