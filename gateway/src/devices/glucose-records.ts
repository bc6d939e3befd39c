/**
 * Glucose records come as two notifications, the measurement (2A18) and its optional context (2A34),
 * joined by sequence number per device. A measurement waiting for a context that never comes is
 * released by the joiner's timeout (ticked every second), at the end of a download, or at disconnect.
 */
import {
  type Clock,
  type DeviceFrame,
  decodeGlucoseMeasurement,
  decodeGlucoseMeasurementContext,
  GlucoseContextJoiner,
  type GlucoseJoinEvent,
} from '@telecart/devices';

export class GlucoseRecords {
  private readonly joiners = new Map<string, GlucoseContextJoiner>();
  /** The latest glucose frame of each device: what released records are attributed to. */
  private readonly lastFrame = new Map<string, DeviceFrame>();
  private tickTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    /** Records released later (timeout, flush), with the device's latest glucose frame. */
    private readonly release: (frame: DeviceFrame, events: GlucoseJoinEvent[]) => void,
  ) {}

  /** Decodes a measurement or context and joins it: the records it completes, or the decode error. */
  take(
    frame: DeviceFrame,
    short: '2A18' | '2A34',
    bytes: Uint8Array,
  ): { ok: true; events: GlucoseJoinEvent[] } | { ok: false; error: { field: string; reason: string } } {
    const joiner = this.joinerOf(frame.deviceId);
    const now = this.clock.now();
    let events: GlucoseJoinEvent[];
    if (short === '2A18') {
      const m = decodeGlucoseMeasurement(bytes);
      if (!m.ok) return m;
      events = joiner.measurement(m.value, now);
    } else {
      const c = decodeGlucoseMeasurementContext(bytes);
      if (!c.ok) return c;
      events = joiner.context(c.value, now);
    }
    this.lastFrame.set(frame.deviceId, frame);
    return { ok: true, events };
  }

  /** Releases what waits for a context: nothing is lost. */
  flush(deviceId: string): void {
    const j = this.joiners.get(deviceId);
    if (!j) return;
    const events = j.flush();
    if (events.length > 0) this.released(deviceId, events);
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const id of [...this.joiners.keys()]) this.flush(id);
  }

  private joinerOf(deviceId: string): GlucoseContextJoiner {
    let j = this.joiners.get(deviceId);
    if (!j) {
      j = new GlucoseContextJoiner();
      this.joiners.set(deviceId, j);
      this.tickTimer ??= setInterval(() => this.tick(), 1000).unref();
    }
    return j;
  }

  private tick(): void {
    const now = this.clock.now();
    for (const [id, j] of this.joiners) {
      const events = j.tick(now);
      if (events.length > 0) this.released(id, events);
    }
  }

  private released(deviceId: string, events: GlucoseJoinEvent[]): void {
    const frame = this.lastFrame.get(deviceId);
    if (frame) this.release(frame, events);
  }
}
