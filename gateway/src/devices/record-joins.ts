/**
 * Records that span several characteristics (glucose measurement + context) are assembled by the
 * record joiner their capability carries (MeasurementCapability.join), one per device and
 * capability. A part waiting for the rest is released by the joiner's timeout (ticked every
 * second), at the end of a download, or at disconnect: nothing is lost.
 */
import type { Clock, CodecResult, DeviceFrame, JoinOutput, MeasurementCapability, RecordJoiner } from '@telecart/devices';

type Join = NonNullable<MeasurementCapability['join']>;

interface DeviceJoiner {
  joiner: RecordJoiner;
  /** The latest frame it took: what released records are attributed to. */
  lastFrame: DeviceFrame;
}

export class RecordJoins {
  /** deviceId → the joiner of each capability (its `join` object) the device's frames went to. */
  private readonly joiners = new Map<string, Map<Join, DeviceJoiner>>();
  private tickTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    /** Records released later (timeout, flush), with the latest frame their joiner took. */
    private readonly release: (frame: DeviceFrame, out: JoinOutput) => void,
  ) {}

  /** Gives one PDU (after byte quirks) to the device's joiner for `join`: the records it completes, or the decode error. */
  take(frame: DeviceFrame, join: Join, characteristic: string, bytes: Uint8Array): CodecResult<JoinOutput> {
    let byJoin = this.joiners.get(frame.deviceId);
    if (!byJoin) {
      byJoin = new Map();
      this.joiners.set(frame.deviceId, byJoin);
    }
    let j = byJoin.get(join);
    if (!j) {
      j = { joiner: join.create(), lastFrame: frame };
      byJoin.set(join, j);
      this.tickTimer ??= setInterval(() => this.tick(), 1000).unref();
    }
    const r = j.joiner.take(characteristic, bytes, this.clock.now());
    if (r.ok) j.lastFrame = frame;
    return r;
  }

  /** Releases what waits for its other part: nothing is lost. */
  flush(deviceId: string): void {
    for (const j of this.joiners.get(deviceId)?.values() ?? []) this.released(j, j.joiner.flush());
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const id of [...this.joiners.keys()]) this.flush(id);
  }

  private tick(): void {
    const now = this.clock.now();
    for (const byJoin of this.joiners.values()) for (const j of byJoin.values()) this.released(j, j.joiner.tick(now));
  }

  private released(j: DeviceJoiner, out: JoinOutput): void {
    if (out.records.length > 0 || out.skipped.length > 0) this.release(j.lastFrame, out);
  }
}
