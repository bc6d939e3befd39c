import { describe, expect, it } from 'vitest';
import { ConnectGate } from './connect-gate.js';
import { UplinkCredit } from './uplink-credit.js';

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

  it('holds what it cannot admit in a bounded queue, admits it in arrival order as room frees, refuses it past maxWaitMs', () => {
    let now = 0;
    const gate = new ConnectGate<string>({ perSecond: 1000, burst: 1000, maxPending: 1, maxQueued: 2, maxWaitMs: 5000 }, () => now);
    expect(['a', 'b', 'c', 'd'].map((x) => gate.offer(x))).toEqual(['admitted', 'queued', 'queued', 'shed']);
    expect(gate.queued()).toBe(2);
    expect(gate.release()).toEqual({ admitted: [], expired: [] }); // the slot is still taken
    gate.settled();
    expect(gate.release()).toEqual({ admitted: ['b'], expired: [] });
    // A newcomer does not overtake 'c', although 'b' settled.
    gate.settled();
    expect(gate.offer('e')).toBe('queued');
    expect(gate.release()).toEqual({ admitted: ['c'], expired: [] });
    expect(gate.nextExpiryMs()).toBe(5000);
    now += 5001;
    gate.settled();
    expect(gate.release()).toEqual({ admitted: [], expired: ['e'] });
    expect(gate.queued()).toBe(0);
    expect(gate.shedCount()).toBe(2);
  });

  it('admits the queued ones as tokens come back, and forgets one that closed while waiting', () => {
    let now = 0;
    const gate = new ConnectGate<string>({ perSecond: 10, burst: 1, maxQueued: 10 }, () => now);
    expect(['a', 'b', 'c', 'd'].map((x) => gate.offer(x))).toEqual(['admitted', 'queued', 'queued', 'queued']);
    expect(gate.withdraw('c')).toBe(true);
    expect(gate.withdraw('c')).toBe(false);
    now += 100; // one token
    expect(gate.release()).toEqual({ admitted: ['b'], expired: [] });
    now += 100;
    expect(gate.release()).toEqual({ admitted: ['d'], expired: [] });
    expect(gate.nextExpiryMs()).toBeNull();
  });

  it('holds new connections while the uplinks in flight fill the credit, and admits them in order as the ingest acks', () => {
    const now = 0;
    const credit = new UplinkCredit({ maxInFlight: 2 }, () => now);
    const gate = new ConnectGate<string>(
      { perSecond: 1000, burst: 1000, maxQueued: 10 },
      () => now,
      () => credit.hasRoom(),
    );
    expect(gate.offer('a')).toBe('admitted');
    credit.received();
    credit.received(); // 'a' sent its two batches: the store has all it may queue
    expect(['b', 'c'].map((x) => gate.offer(x))).toEqual(['queued', 'queued']);
    expect(gate.release()).toEqual({ admitted: [], expired: [] });
    credit.acked();
    // Room is asked per admission: both pass while nothing new arrived; the next uplinks close it again.
    expect(gate.release()).toEqual({ admitted: ['b', 'c'], expired: [] });
    credit.received();
    expect(gate.offer('d')).toBe('queued');
    expect(gate.shedCount()).toBe(0);
  });

  it('refuses nonsense limits with the values', () => {
    expect(() => new ConnectGate({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0.*"perSecond":0/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 0 })).toThrow(/burst ≥ 1/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 1, maxQueued: -1 })).toThrow(/maxQueued ≥ 0/);
    expect(() => new ConnectGate({ perSecond: 5, burst: 1, maxWaitMs: 0 })).toThrow(/maxWaitMs > 0/);
  });
});
