import { describe, expect, it } from 'vitest';
import { consentResponseTimeoutMs } from 'werift';
import { ConsentWait } from './consent-wait.js';

const peer = (rtt?: number) => ({ iceTransports: [{ connection: { nominated: rtt === undefined ? {} : { rtt } } }] });

describe('ConsentWait', () => {
  it("raises the pair's round trip to the largest RTCP one of the last 10 s, so werift's consent wait covers the queue", () => {
    const w = new ConsentWait();
    const p = peer(0.002);
    expect(w.observe(p, 450, 0)).toBe(0.45);
    expect(p.iceTransports[0]?.connection.nominated.rtt).toBe(0.45);
    // werift's wait for a consent answer: 2 × RTT + 200 ms, where it was its 500 ms floor.
    expect(consentResponseTimeoutMs(p.iceTransports[0]?.connection.nominated.rtt)).toBe(1100);
    // A consent answered meanwhile measured 5 ms: the queue seen 3 s ago still counts.
    (p.iceTransports[0]?.connection.nominated as { rtt?: number }).rtt = 0.005;
    expect(w.observe(p, 20, 3000)).toBe(0.45);
    // 10 s later the queue is gone: werift's own measure stands.
    (p.iceTransports[0]?.connection.nominated as { rtt?: number }).rtt = 0.005;
    expect(w.observe(p, 20, 12_000)).toBe(0.02);
    expect(w.observe(p, 10, 12_500)).toBeNull();
  });

  it('never lowers a longer round trip werift measured, caps a wild one, ignores a bad one and a peer not connected', () => {
    const w = new ConsentWait();
    expect(w.observe(peer(0.8), 100, 0)).toBeNull();
    const p = peer();
    expect(w.observe(p, 60_000, 1)).toBe(2);
    expect(w.observe(p, Number.NaN, 2)).toBeNull();
    expect(w.observe({ iceTransports: [{ connection: {} }] }, 300, 3)).toBeNull();
  });
});
