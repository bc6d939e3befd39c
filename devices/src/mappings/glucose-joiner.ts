/**
 * Joins a Glucose Measurement flagged "context follows" with the Glucose Measurement Context of the same
 * sequence number. Pure: no timers, no I/O; the caller passes the time (its injected clock) and gets back
 * what is ready. One joiner per device (meters send measurement, then its context, record after record).
 *
 * A held measurement is released without context when the next measurement arrives, when a tick finds it
 * older than `timeoutMs`, or on flush (disconnect) — never dropped. A context with no held measurement of
 * the same sequence number is released as 'orphan-context' so the caller can count and log it.
 */
import type { GlucoseMeasurement, GlucoseMeasurementContext } from '../codecs/glucose.js';

export type GlucoseJoinEvent =
  | { kind: 'record'; measurement: GlucoseMeasurement; context?: GlucoseMeasurementContext; contextMissing: boolean }
  | { kind: 'orphan-context'; context: GlucoseMeasurementContext };

export interface GlucoseJoinerOptions {
  /** How long a measurement waits for its context. Default 5000 ms (contexts follow within one connection event or a few). */
  timeoutMs?: number;
}

interface Held {
  measurement: GlucoseMeasurement;
  since: number;
}

export class GlucoseContextJoiner {
  private readonly timeoutMs: number;
  private held: Held | undefined;

  constructor(opts: GlucoseJoinerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Sequence number of the measurement waiting for its context, if any. */
  get waitingFor(): number | undefined {
    return this.held?.measurement.sequenceNumber;
  }

  measurement(m: GlucoseMeasurement, now: number): GlucoseJoinEvent[] {
    const out = this.flush();
    if (m.contextFollows) this.held = { measurement: m, since: now };
    else out.push({ kind: 'record', measurement: m, contextMissing: false });
    return out;
  }

  context(c: GlucoseMeasurementContext, _now: number): GlucoseJoinEvent[] {
    const h = this.held;
    if (!h || h.measurement.sequenceNumber !== c.sequenceNumber) return [{ kind: 'orphan-context', context: c }];
    this.held = undefined;
    return [{ kind: 'record', measurement: h.measurement, context: c, contextMissing: false }];
  }

  /** Releases a measurement that waited `timeoutMs` or more. */
  tick(now: number): GlucoseJoinEvent[] {
    return this.held && now - this.held.since >= this.timeoutMs ? this.flush() : [];
  }

  /** Releases whatever is held, without context (e.g. on disconnect). */
  flush(): GlucoseJoinEvent[] {
    const h = this.held;
    this.held = undefined;
    return h ? [{ kind: 'record', measurement: h.measurement, contextMissing: true }] : [];
  }
}
