import { describe, expect, it } from 'vitest';
import { ConnectGate } from './connect-gate.js';

describe('ConnectGate', () => {
  it('admits the burst, then the sustained rate, and counts what it sheds', () => {
    let now = 0;
    const gate = new ConnectGate({ perSecond: 10, burst: 3 }, () => now);
    expect([gate.admit(), gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, true, false]);
    now += 100; // one token back at 10/s
    expect([gate.admit(), gate.admit()]).toEqual([true, false]);
    now += 10_000; // a long quiet period refills only up to the burst
    expect(Array.from({ length: 5 }, () => gate.admit())).toEqual([true, true, true, false, false]);
    expect(gate.shedCount()).toBe(4);
  });

  it('sheds while maxPending handshakes are unsettled, whatever the rate allows', () => {
    const gate = new ConnectGate({ perSecond: 1000, burst: 1000, maxPending: 2 }, () => 0);
    expect([gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, false]);
    gate.settled();
    expect([gate.admit(), gate.admit()]).toEqual([true, false]);
    gate.settled();
    gate.settled();
    gate.settled(); // more settles than admits never open more room than maxPending
    expect([gate.admit(), gate.admit(), gate.admit()]).toEqual([true, true, false]);
    expect(gate.shedCount()).toBe(3);
  });

  it('refuses nonsense limits with the values', () => {
    expect(() => new ConnectGate({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0.*"perSecond":0/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 0 })).toThrow(/burst ≥ 1/);
  });
});
