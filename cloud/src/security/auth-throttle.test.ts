import { describe, expect, it } from 'vitest';
import type { ThrottleRow } from '../store/cloud-store.js';
import { DEFAULT_THROTTLE_POLICY, decideAttempt, delayAfter, retryAfterSeconds, sourceOf, type ThrottleSubject } from './auth-throttle.js';

const policy = DEFAULT_THROTTLE_POLICY;
const subjects: ThrottleSubject[] = [
  { scope: 'source', id: '192.0.2.7' },
  { scope: 'account', id: 'dr-x' },
];

describe('delayAfter', () => {
  it('is free up to the limit, then doubles from the base up to the cap', () => {
    const rule = policy.rules.source;
    const delays = Array.from({ length: 18 }, (_, i) => delayAfter(rule, i + 1));
    expect(delays).toEqual([
      0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 900_000, 900_000, 900_000, 900_000,
    ]);
    expect(delayAfter(rule, 1e9)).toBe(900_000);
    expect(delayAfter(policy.rules.account, 10)).toBe(1_000);
    expect(delayAfter(policy.rules.account, 20)).toBe(60_000);
  });
});

describe('decideAttempt', () => {
  const row = (key: string, failures: number, last: number, until: number): [string, ThrottleRow] => [
    key,
    { key, failures, lastFailureMs: last, blockedUntilMs: until },
  ];

  it('charges both keys and reports a block that starts', () => {
    const rows = new Map([row('source:192.0.2.7', 4, 500, 0), row('account:dr-x', 2, 500, 0)]);
    const c = decideAttempt(policy, subjects, rows, 1_000);
    expect(c.result).toEqual({ allowed: true, blocked: [{ scope: 'source', id: '192.0.2.7', failures: 5, delayMs: 1_000 }] });
    expect(c.write).toEqual([
      { key: 'source:192.0.2.7', failures: 5, lastFailureMs: 1_000, blockedUntilMs: 2_000 },
      { key: 'account:dr-x', failures: 3, lastFailureMs: 1_000, blockedUntilMs: 0 },
    ]);
  });

  it('refuses while a key is blocked, with the longest wait, and writes nothing', () => {
    const rows = new Map([row('source:192.0.2.7', 6, 900, 3_000), row('account:dr-x', 12, 900, 5_000)]);
    const c = decideAttempt(policy, subjects, rows, 1_000);
    expect(c.result).toEqual({ allowed: false, retryAfterMs: 4_000, by: { scope: 'account', id: 'dr-x' }, failures: 12 });
    expect(c.write).toEqual([]);
    // At the end of the block the attempt is allowed again (and charged).
    expect(decideAttempt(policy, subjects, rows, 5_000).result.allowed).toBe(true);
  });

  it('forgets a key with no failure for forgetAfterMs', () => {
    const rows = new Map([row('source:192.0.2.7', 40, 0, 0)]);
    const later = policy.forgetAfterMs;
    expect(decideAttempt(policy, subjects, rows, later).write[0]?.failures).toBe(1);
    expect(decideAttempt(policy, subjects, rows, later - 1).write[0]?.failures).toBe(41);
  });
});

describe('sourceOf', () => {
  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(sourceOf('192.0.2.7')).toBe('192.0.2.7');
    expect(sourceOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceOf(undefined)).toBe('unknown');
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up to whole seconds, at least 1', () => {
    expect([1, 999, 1000, 1001, 60_000].map(retryAfterSeconds)).toEqual([1, 1, 1, 2, 60]);
  });
});
