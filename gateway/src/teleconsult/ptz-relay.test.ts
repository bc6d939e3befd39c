import { OnvifCamera } from '@telecart/devices';
import { startSimCamera } from '@telecart/firmware-sim';
import type { PtzReply } from '@telecart/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PtzCamera, PtzRelay } from './ptz-relay.js';

/** A camera whose motion requests complete when the test says (a slow camera), recording what it was asked. */
class SlowCamera implements PtzCamera {
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly waiting: (() => void)[] = [];

  private motion(what: string): Promise<void> {
    this.calls.push(what);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((r) =>
      this.waiting.push(() => {
        this.inFlight--;
        r();
      }),
    );
  }

  /** Completes the oldest pending request; false when none. */
  complete(): boolean {
    const f = this.waiting.shift();
    f?.();
    return f !== undefined;
  }

  continuousMove = (v: { pan?: number; tilt?: number; zoom?: number }) => this.motion(`move ${v.pan}`);
  stop = () => this.motion('stop');
  relativeMove = () => this.motion('relative');
  absoluteMove = (p: { pan?: number }) => this.motion(`absolute ${p.pan}`);
  gotoPreset = (t: string) => this.motion(`goto ${t}`);
  status = async () => ({
    position: { pan: 0.1, tilt: 0.2, zoom: 0.3 },
    moving: { panTilt: this.inFlight > 0, zoom: false },
    utcTime: null,
  });
  presets = async () => [{ token: 'p1', name: 'bed' }];
  setPreset = async () => 'p2';
  removePreset = async () => undefined;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function rig(camera: () => Promise<PtzCamera>) {
  const replies: PtzReply[] = [];
  const malformed: string[] = [];
  const relay = new PtzRelay(camera, (m) => malformed.push(m));
  const send = (o: unknown) => relay.handle(typeof o === 'string' ? o : JSON.stringify(o), (t) => replies.push(JSON.parse(t) as PtzReply));
  return { relay, replies, malformed, send };
}

describe('PtzRelay', () => {
  it('a newer move replaces one still waiting; the replaced one is answered ok and counted', async () => {
    const cam = new SlowCamera();
    const { relay, replies, send } = rig(async () => cam);
    send({ op: 'move', seq: 1, pan: 0.1, tilt: 0, zoom: 0 });
    await flush();
    send({ op: 'move', seq: 2, pan: 0.2, tilt: 0, zoom: 0 });
    send({ op: 'move', seq: 3, pan: 0.3, tilt: 0, zoom: 0 });
    expect(replies).toEqual([{ seq: 2, ok: true }]);
    expect(relay.counters.superseded).toBe(1);
    cam.complete();
    await flush();
    cam.complete();
    await flush();
    expect(replies.map((r) => r.seq)).toEqual([2, 1, 3]);
    expect(cam.calls).toEqual(['move 0.1', 'move 0.3']);
    expect(relay.counters.commands).toBe(3);
  });

  it('a stop waits for the move in flight (never overtakes it) and cancels the move waiting behind it', async () => {
    const cam = new SlowCamera();
    const { replies, send } = rig(async () => cam);
    send({ op: 'move', seq: 1, pan: 0.5, tilt: 0, zoom: 0 });
    await flush();
    send({ op: 'move', seq: 2, pan: 0.5, tilt: 0, zoom: 0 });
    send({ op: 'stop', seq: 3 });
    await flush();
    expect(cam.calls).toEqual(['move 0.5']); // the stop has not gone out beside the move
    while (cam.complete()) await flush();
    await flush();
    expect(cam.calls).toEqual(['move 0.5', 'stop']);
    expect(cam.maxInFlight).toBe(1);
    expect(replies.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
  });

  it('moves and absolute/preset moves keep their order; queries are answered at once, even while the camera is busy', async () => {
    const cam = new SlowCamera();
    const { replies, send } = rig(async () => cam);
    send({ op: 'absolute', seq: 1, pan: 0.4, tilt: 0, zoom: 0.5 });
    send({ op: 'preset-goto', seq: 2, token: 'p1' });
    send({ op: 'status', seq: 3 });
    send({ op: 'presets', seq: 4 });
    await flush();
    expect(replies).toEqual([
      { seq: 3, ok: true, status: { pan: 0.1, tilt: 0.2, zoom: 0.3, moving: true } },
      { seq: 4, ok: true, presets: [{ token: 'p1', name: 'bed' }] },
    ]);
    while (cam.complete()) await flush();
    await flush();
    expect(cam.calls).toEqual(['absolute 0.4', 'goto p1']);
    expect(replies.map((r) => r.seq)).toEqual([3, 4, 1, 2]);
  });

  it('malformed input is counted and dropped; a readable seq still gets an error reply; good commands go on', async () => {
    const cam = new SlowCamera();
    const { relay, replies, malformed, send } = rig(async () => cam);
    send('{not json');
    send('x'.repeat(10_000));
    send('null');
    send({ op: 'move', seq: 7, pan: 2, tilt: 0, zoom: 0 }); // velocity out of [-1, 1]
    send({ op: 'status', seq: 8, extra: true });
    send({ op: 'teleport', seq: 9 });
    send({ op: 'status', seq: -1 });
    send({ op: 'status', seq: 1.5 });
    send({ op: 'preset-goto', seq: 10, token: '' });
    send({ op: 'status', seq: 11 });
    await flush();
    expect(relay.counters.malformed).toBe(9);
    expect(malformed.length).toBe(9);
    expect(malformed[1]).toMatch(/10000 characters/);
    expect(replies.filter((r) => !r.ok).map((r) => r.seq)).toEqual([7, 8, 9, 10]);
    expect(replies.filter((r) => !r.ok).every((r) => r.error === 'invalid PTZ command')).toBe(true);
    expect(replies.find((r) => r.seq === 11)?.ok).toBe(true);
    expect(relay.counters.commands).toBe(1);
  });

  it('a camera that cannot be reached: each command is answered with the error; the next one tries again', async () => {
    let up = false;
    const cam = new SlowCamera();
    const { relay, replies, send } = rig(async () => {
      if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:8899');
      return cam;
    });
    send({ op: 'move', seq: 1, pan: 0.1, tilt: 0, zoom: 0 });
    send({ op: 'status', seq: 2 });
    await flush();
    await flush();
    expect([...replies].sort((a, b) => a.seq - b.seq)).toEqual([
      { seq: 1, ok: false, error: 'connect ECONNREFUSED 127.0.0.1:8899' },
      { seq: 2, ok: false, error: 'connect ECONNREFUSED 127.0.0.1:8899' },
    ]);
    expect(relay.counters.errors).toBe(2);
    up = true;
    send({ op: 'status', seq: 3 });
    await flush();
    expect(replies.at(-1)).toMatchObject({ seq: 3, ok: true });
  });

  it('a reply to a closed channel is dropped, and the queue goes on', async () => {
    const cam = new SlowCamera();
    const relay = new PtzRelay(async () => cam);
    const got: number[] = [];
    relay.handle(JSON.stringify({ op: 'move', seq: 1, pan: 0.1, tilt: 0, zoom: 0 }), () => {
      throw new Error('channel closed');
    });
    relay.handle(JSON.stringify({ op: 'stop', seq: 2 }), (t) => got.push((JSON.parse(t) as PtzReply).seq));
    await flush();
    while (cam.complete()) await flush();
    await flush();
    expect(got).toEqual([2]);
    expect(relay.waiting).toBe(0);
  });

  it('property: one reply per command; one motion request at a time, in arrival order; only waiting moves are skipped; the last motion command always runs', async () => {
    type Step = { k: 'cmd'; op: 'move' | 'stop' | 'absolute' | 'status'; pan: number } | { k: 'done' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        k: fc.constant('cmd' as const),
        op: fc.constantFrom('move' as const, 'move' as const, 'stop' as const, 'absolute' as const, 'status' as const),
        pan: fc.integer({ min: -10, max: 10 }).map((x) => x / 10),
      }),
      fc.constant({ k: 'done' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const cam = new SlowCamera();
        const { relay, replies, send } = rig(async () => cam);
        const sent: { seq: number; what: string }[] = [];
        let seq = 0;
        for (const s of steps) {
          if (s.k === 'done') cam.complete();
          else {
            seq++;
            if (s.op === 'status') send({ op: 'status', seq });
            else if (s.op === 'stop') send({ op: 'stop', seq });
            else send({ op: s.op, seq, pan: s.pan, tilt: 0, zoom: s.op === 'absolute' ? 0 : 0 });
            if (s.op !== 'status') sent.push({ seq, what: s.op === 'stop' ? 'stop' : `${s.op} ${s.pan}` });
          }
          await flush();
        }
        while (cam.complete()) await flush();
        await flush();
        expect(replies.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
        expect(cam.maxInFlight).toBeLessThanOrEqual(1);
        // The camera saw a subsequence of the motion commands, in order; what was skipped is a move followed by another motion command.
        // Matched from the end: with identical consecutive moves, the later one is the one that ran.
        let j = cam.calls.length - 1;
        const skipped: number[] = [];
        for (let i = sent.length - 1; i >= 0; i--) {
          const c = sent[i] as { seq: number; what: string };
          if (j >= 0 && cam.calls[j] === c.what) j--;
          else {
            expect(c.what.startsWith('move')).toBe(true);
            expect(i).toBeLessThan(sent.length - 1);
            skipped.push(c.seq);
          }
        }
        expect(j).toBe(-1);
        expect(relay.counters.superseded).toBe(skipped.length);
        if (sent.length > 0) expect(cam.calls.at(-1)).toBe(sent.at(-1)?.what);
      }),
      { numRuns: 200 },
    );
  });

  it('drives the simulated ONVIF camera through OnvifCamera (SOAP, WS-UsernameToken)', async () => {
    const sim = await startSimCamera({ snapshots: false });
    const cam = await OnvifCamera.connect({ url: sim.deviceServiceUrl, username: 'admin', password: 'admin', deadManMs: 500 });
    try {
      const { replies, send } = rig(async () => cam);
      const until = async (ok: () => boolean) => {
        for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
      };
      send({ op: 'absolute', seq: 1, pan: 0.25, tilt: -0.25, zoom: 0.5 });
      await until(() => replies.length > 0);
      expect(replies[0]).toEqual({ seq: 1, ok: true });
      // The simulated mechanics move at 0.5/s: there within ~0.5 s.
      await until(() => sim.ptz.moveStatus().panTilt === 'IDLE' && sim.ptz.moveStatus().zoom === 'IDLE');
      send({ op: 'status', seq: 2 });
      await until(() => replies.length > 1);
      expect(replies[1]).toEqual({ seq: 2, ok: true, status: { pan: 0.25, tilt: -0.25, zoom: 0.5, moving: false } });
    } finally {
      await cam.close();
      await sim.stop();
    }
  });
});
