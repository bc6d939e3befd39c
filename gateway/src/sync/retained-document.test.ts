import { Type } from '@sinclair/typebox';
import { compile } from '@telecart/protocol';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { RetainedDocument } from './retained-document.js';

const Doc = Type.Object({ gatewayId: Type.String(), at: Type.String(), items: Type.Array(Type.String()) });

function harness(saved?: string) {
  const meta = new Map<string, string>(saved === undefined ? [] : [['doc:test', saved]]);
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_o, msg) => warnings.push(msg) };
  const make = () =>
    new RetainedDocument({
      name: 'test',
      noun: 'list',
      check: compile(Doc),
      storeKey: 'doc:test',
      maxBytes: 200,
      gatewayId: 'cart-1',
      store: { loadMeta: (k) => meta.get(k), saveMeta: (k, v) => void meta.set(k, v) },
      logger,
      meanwhile: 'using nothing',
    });
  return { meta, warnings, make };
}

const good = (items: string[], gatewayId = 'cart-1') => Buffer.from(JSON.stringify({ gatewayId, at: '2026-12-06T10:00:00Z', items }));

describe('RetainedDocument', () => {
  it('keeps the last good document through refusals, and has it again after a restart', () => {
    const h = harness();
    const d = h.make();
    const seen: string[][] = [];
    d.onChange((x) => seen.push(x.items));
    expect(d.receive(good(['a']))).toBe(true);
    expect(d.receive(Buffer.from('{'))).toBe(false);
    expect(d.receive(Buffer.from(JSON.stringify({ gatewayId: 'cart-1' })))).toBe(false);
    expect(d.receive(good(['b'], 'cart-2'))).toBe(false);
    expect(d.receive(good(['x'.repeat(300)]))).toBe(false);
    expect(d.refusals()).toEqual({ oversize: 1, 'not-json': 1, schema: 1, 'wrong-gateway': 1 });
    expect(h.warnings).toHaveLength(4);
    expect(h.warnings[0]).toMatch(/^test: refused a list from the cloud; the last good one is kept/);
    expect(d.current()?.items).toEqual(['a']);
    expect(seen).toEqual([['a']]);
    expect(h.make().current()?.items).toEqual(['a']);
  });

  it('checks the stored copy again at start: an unreadable one is logged and not used', () => {
    const h = harness('{"gatewayId":"cart-2","at":"x","items":[]}');
    expect(h.make().current()).toBeNull();
    expect(h.warnings).toEqual(['test: the stored list cannot be read; using nothing']);
  });
});
