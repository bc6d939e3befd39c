import { describe, expect, it } from 'vitest';
import { fullUuid } from '../model/frame.js';
import { ruleMatches, subscriptionsFor } from './watch-rules.js';

const bp = { services: ['1810'], subscribe: ['2A35', '2A36'] };
const scale = { services: ['181D'], subscribe: ['2A9D'], namePattern: /^SCALE/ };

describe('watch rules', () => {
  it('matches advertised service UUIDs in short or full form', () => {
    expect(ruleMatches(bp, { uuids: [fullUuid('1810')] })).toBe(true);
    expect(ruleMatches({ ...bp, services: [fullUuid('1810').toUpperCase()] }, { uuids: [fullUuid('1810')] })).toBe(true);
    expect(ruleMatches(bp, { uuids: [fullUuid('1809')] })).toBe(false);
  });

  it('requires the name pattern when given, and uses it alone for devices advertising no service', () => {
    expect(ruleMatches(scale, { name: 'SCALE-1', uuids: [fullUuid('181D')] })).toBe(true);
    expect(ruleMatches(scale, { name: 'OTHER', uuids: [fullUuid('181D')] })).toBe(false);
    expect(ruleMatches(scale, { name: 'SCALE-2', uuids: [] })).toBe(true);
    expect(ruleMatches(bp, { name: 'CUFF', uuids: [] })).toBe(false);
  });

  it('unions the subscriptions of every matching rule, as full UUIDs', () => {
    const extra = { services: ['1810'], subscribe: ['2A49'] };
    expect(subscriptionsFor([bp, extra, scale], { uuids: [fullUuid('1810')] })).toEqual(new Set(['2A35', '2A36', '2A49'].map(fullUuid)));
    expect(subscriptionsFor([bp], { uuids: [] })).toBeUndefined();
  });
});
