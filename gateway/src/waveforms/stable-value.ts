/**
 * When does a continuous SpO2/pulse become a reading? When it has been held: every value in the
 * last `holdMs` (default 10 s) is present (no missing-data value), carries no disqualifying
 * device flag (sensor off, out of track), and stays within ±`spo2Tolerance` % and
 * ±`pulseTolerance` /min of the window's median. The reading is that median. After a reading, the
 * next one needs a change beyond the tolerance or a new placement (sensor off, then a new hold),
 * so a patient sitting still gives one reading, not one every 10 s. Pure; times are passed in.
 */

export interface StableRule {
  holdMs: number;
  spo2Tolerance: number;
  pulseTolerance: number;
}

export const DEFAULT_STABLE_RULE: StableRule = { holdMs: 10_000, spo2Tolerance: 1, pulseTolerance: 3 };

export interface StableValue {
  spo2: number;
  pulse: number;
  /** When the held window started and ended, ms since epoch. */
  fromMs: number;
  toMs: number;
  flags: string[];
}

interface Sample {
  at: number;
  spo2: number;
  pulse: number;
  flags: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export class StableValueDetector {
  private window: Sample[] = [];
  private lastRecorded: { spo2: number; pulse: number } | undefined;

  constructor(private readonly rule: StableRule = DEFAULT_STABLE_RULE) {}

  /**
   * One live value. `usable` false (missing value, disqualifying flag) breaks the hold and also
   * re-arms: the next held value is recorded even if it equals the previous reading.
   */
  push(at: number, spo2: number | null, pulse: number | null, flags: readonly string[], usable: boolean): StableValue | undefined {
    if (!usable || spo2 === null || pulse === null) {
      this.window = [];
      this.lastRecorded = undefined;
      return undefined;
    }
    // A value off the current window's median starts a new hold.
    if (this.window.length > 0) {
      const ms = median(this.window.map((s) => s.spo2));
      const mp = median(this.window.map((s) => s.pulse));
      if (Math.abs(spo2 - ms) > this.rule.spo2Tolerance || Math.abs(pulse - mp) > this.rule.pulseTolerance) this.window = [];
    }
    this.window.push({ at, spo2, pulse, flags: [...flags] });
    const first = this.window[0];
    if (!first || at - first.at < this.rule.holdMs) return undefined;
    const spo2m = median(this.window.map((s) => s.spo2));
    const pulsem = median(this.window.map((s) => s.pulse));
    const last = this.lastRecorded;
    if (last && Math.abs(last.spo2 - spo2m) <= this.rule.spo2Tolerance && Math.abs(last.pulse - pulsem) <= this.rule.pulseTolerance) {
      return undefined;
    }
    this.lastRecorded = { spo2: spo2m, pulse: pulsem };
    const seen = [...new Set(this.window.flatMap((s) => s.flags))];
    const v: StableValue = { spo2: spo2m, pulse: pulsem, fromMs: first.at, toMs: at, flags: seen };
    this.window = [];
    return v;
  }

  /** A connection gap: the hold restarts, but the last reading is remembered (a replug is not a new placement). */
  interrupt(): void {
    this.window = [];
  }
}
