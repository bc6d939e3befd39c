/**
 * One budget for the cart's uplink (pure, clock passed in; docs/conversation.md « Bandwidth »). The cart
 * sends on one uplink from two peers that do not know of each other: the gateway's (PTZ video, the
 * stethoscope, the ECG) and the nurse page's conversation (voice, room camera). On a weak site link their
 * floors alone (~145 kbit/s of media, ~200 with packet headers) exceed it, and the audio a clinician needs
 * is lost with the video. The budget gives way in clinical order, one step at a time:
 *
 *   full         everything; each video adapts by itself (the gateway's bitrate.ts, Chromium's)
 *   room-paused  the room camera paused (the conversation's video encoding inactive; voice kept)
 *   ptz-paused   the PTZ video paused too: voice, stethoscope and ECG only
 *   lean-audio   and the two Opus streams lighter, both in 60 ms frames (voice 12 kbit/s; stethoscope
 *                16 kbit/s, wideband: 0–8 kHz holds heart and lung sounds): with the ECG (binary) and
 *                every packet's headers (~45 B a packet: a 20 ms voice frame's headers alone cost
 *                18 kbit/s, 6 in 60 ms frames) what fits 100 kbit/s; at voice 16 / stethoscope 24 kbit/s
 *                the stethoscope still lost 19.5 % of its packets there (shaped run)
 *
 * What it reads: each peer's receiver reports on what the cart sends, as they arrive — the
 * fraction of the cart's packets lost on the way (RTCP receiver reports: the gateway's own, on the PTZ video and
 * the stethoscope; the page's fresh remote-inbound-rtp, on its voice and camera) and the round trip where known.
 * Loss decides (`linkVerdict`, protocol/src/link-congestion.ts: congested at ≥ 5 % lost, or ≥ 2 % with the
 * round trip ≥ 250 ms above the smallest that peer saw in this act — werift's round trips carry the gateway's
 * event loop, Chromium's do not; clean < 2 % and < 100 ms of queue): it is one way,
 * the cart's own. The round trip is only a secondary cue: a full downlink queue lengthens it as much as a full
 * uplink (a budget that read it as congestion paused the cart's videos for a shaped downlink, its uplink free);
 * it keeps the budget from stepping up into a queue, never steps it down alone.
 * The specialist's guard of the cart's downlink reads its link by the same definition.
 *
 * Down one step when a congested report comes 2 s or more after the first of a congested run (no clean report
 * between), never sooner than 4 s after the last change. Up one step after 15 s since the first clean report,
 * with no congested one since, three in four of them clean and their mean loss < 2 %, never sooner than the
 * step's hold (15 s, doubled by each failed try) after the last change and the last abandoned probe: a report
 * now and then at 2–5 % lost or with a queue (a loaded machine's bursts) neither steps down nor starts the clean
 * run again (when every report had to be clean, the budget once had not climbed back 120 s after the link was
 * unshaped, at load 26–42). Each peer's latest report stands 5 s at most (an audio report covers several
 * seconds): one losing ≥ 5 % can step down alone.
 *
 * The try upward costs no more than it must, and never the stethoscope's sound: a step up is a try for 30 s, taken
 * back at the first congested report (not after 2 s of congestion, nor 4 s after the change); the step out of
 * `lean-audio`, the only one that raises the audio, is preceded by a probe: the PTZ video (the lowest-priority
 * stream the gateway sends) resumed at its floor beside the lean audio for 4 s, abandoned at the first congested
 * report, the audio raised only once the probe's reports (3 of the gateway's at least) lost < 2 % on average. A
 * failed try or probe doubles the hold of that step (up to 4 min), not the others': the link is tried less and
 * less often instead of flapping; a step up that holds 30 s resets it.
 */

import { LINK_CONGESTION, type LinkVerdict, linkVerdict, UPLINK_LEVELS, type UplinkLevel } from '@telecart/protocol';

export { UPLINK_LEVELS, type UplinkLevel };

/** What the cart sends at a level. */
export interface UplinkPlan {
  level: UplinkLevel;
  /** The nurse page's room camera (its conversation video) is sent. */
  roomVideo: boolean;
  /** The gateway's PTZ video is sent (at `lean-audio`, only as the probe below). */
  ptzVideo: boolean;
  /**
   * The try upward out of `lean-audio`: the PTZ video resumed at its floor as a probe of the link, the level's
   * lean audio kept. The level (told to the pages) does not change; the audio is raised only after a clean probe.
   */
  probe: boolean;
  /** The PTZ video's rate for the probe, kbit/s (0 when none): what raising the audio adds on the wire. */
  probeKbps: number;
  /** Caps of the two Opus streams, kbit/s, and their frame lengths (the voice's: the nurse page renegotiates `a=ptime`). */
  voiceKbps: number;
  voiceFrameMs: 20 | 60;
  stethKbps: number;
  stethFrameMs: 20 | 60;
}

/** The full rates (docs/teleconsult-media.md, docs/conversation.md) and the lean ones below the video. */
export const FULL_AUDIO = { voiceKbps: 32, voiceFrameMs: 20, stethKbps: 32, stethFrameMs: 20 } as const;
export const LEAN_AUDIO = { voiceKbps: 12, voiceFrameMs: 60, stethKbps: 16, stethFrameMs: 60 } as const;

export function planFor(level: UplinkLevel): UplinkPlan {
  const i = UPLINK_LEVELS.indexOf(level);
  return { level, roomVideo: i < 1, ptzVideo: i < 2, probe: false, probeKbps: 0, ...(i < 3 ? FULL_AUDIO : LEAN_AUDIO) };
}

/** Headers of each audio packet on the wire (IP, UDP, RTP and its extensions, SRTP's tag): ~45 bytes. */
const PACKET_HEADER_BYTES = 45;

/** The two Opus streams of a plan on the wire, kbit/s, at their caps (Opus's VBR often sends less). */
export function audioWireKbps(p: Pick<UplinkPlan, 'voiceKbps' | 'voiceFrameMs' | 'stethKbps' | 'stethFrameMs'>): number {
  const headers = (frameMs: number) => ((1000 / frameMs) * PACKET_HEADER_BYTES * 8) / 1000;
  return p.voiceKbps + headers(p.voiceFrameMs) + p.stethKbps + headers(p.stethFrameMs);
}

/**
 * A level's plan with the PTZ video sent as the probe of the link (the level's audio kept), at what the step up's
 * audio adds on the wire (lean to full: ~60 kbit/s).
 */
export function probePlan(level: UplinkLevel): UplinkPlan {
  const here = planFor(level);
  const up = planFor(UPLINK_LEVELS[UPLINK_LEVELS.indexOf(level) - 1] ?? level);
  return { ...here, ptzVideo: true, probe: true, probeKbps: Math.round(audioWireKbps(up) - audioWireKbps(here)) };
}

/** Raising the audio (the step up out of `lean-audio`) is preceded by a probe: the voice and the stethoscope never probe. */
function raisesAudio(from: UplinkLevel, to: UplinkLevel): boolean {
  const [a, b] = [planFor(from), planFor(to)];
  return b.voiceKbps > a.voiceKbps || b.stethKbps > a.stethKbps || b.stethFrameMs < a.stethFrameMs || b.voiceFrameMs < a.voiceFrameMs;
}

/** One peer's receiver report on what the cart sends. */
export interface LinkReport {
  /** Fraction of the cart's packets lost since its last report, 0..1. */
  loss: number;
  /** Round trip, ms (null: not known). */
  rttMs: number | null;
}

export type ReportSource = 'gateway' | 'page';

export interface UplinkBudgetOptions {
  /** A peer's report stands this long (its audio reports come every 2.5–7.5 s); none fresh: a run ends. */
  staleMs?: number;
  congestedLoss?: number;
  cleanLoss?: number;
  queueMs?: number;
  cleanQueueMs?: number;
  /** Share of the reports over the hold that must be clean to step up (the others neither: none congested). */
  cleanShare?: number;
  /** Congestion lasting this long steps down. */
  downAfterMs?: number;
  /** Never two changes closer than this. */
  minIntervalMs?: number;
  /** Clean this long steps up (doubled after a failed step up, up to maxHoldMs). */
  holdMs?: number;
  maxHoldMs?: number;
  /** The probe lasts at least this long, and ends there once it has its clean reports. */
  probeMs?: number;
  /** Reports from the gateway losing < cleanLoss (the PTZ video's, ~1 a second) a probe needs to succeed. */
  probeReports?: number;
  /** A probe without its clean reports by then is abandoned. */
  probeMaxMs?: number;
}

const DEFAULTS: Required<UplinkBudgetOptions> = {
  staleMs: 5000,
  congestedLoss: LINK_CONGESTION.congestedLoss,
  cleanLoss: LINK_CONGESTION.cleanLoss,
  queueMs: LINK_CONGESTION.queueMs,
  cleanQueueMs: LINK_CONGESTION.cleanQueueMs,
  cleanShare: 0.75,
  downAfterMs: LINK_CONGESTION.downAfterMs,
  minIntervalMs: LINK_CONGESTION.minGapMs,
  holdMs: LINK_CONGESTION.holdMs,
  maxHoldMs: LINK_CONGESTION.maxHoldMs,
  probeMs: 4000,
  probeReports: 3,
  probeMaxMs: 8000,
};

/** A step up that brings congestion back within this doubles the hold; one that lasts it resets the hold. */
const FAILED_UP_MS = LINK_CONGESTION.settleMs;
const RESET_AFTER_MS = FAILED_UP_MS;

export class UplinkBudget {
  private readonly o: Required<UplinkBudgetOptions>;
  private level = 0;
  /** The reports since the last tick: their verdicts and losses (each counted once in the climb's figures). */
  private pending: { source: ReportSource; verdict: LinkVerdict; loss: number }[] = [];
  /** Each peer's latest verdict: it stands for the seconds its report covers (an audio report, every few). */
  private readonly last = new Map<ReportSource, { verdict: LinkVerdict; at: number }>();
  /** The smallest round trip each peer measured: werift's (the gateway's event loop in it) and Chromium's differ. */
  private readonly minRtt = new Map<ReportSource, number>();
  private congestedSince: number | null = null;
  private cleanSince: number | null = null;
  /** The reports since cleanSince: their count, the clean ones, the sum of their losses. */
  private run = { n: 0, clean: 0, loss: 0 };
  private changedAt = Number.NEGATIVE_INFINITY;
  private upAt = Number.NEGATIVE_INFINITY;
  /**
   * The hold before each step up, per level stepped up from: a failed step (or probe) doubles its own, not the others'
   * (a link that does not carry the full audio may carry the videos once it does).
   */
  private readonly holds: number[];
  /** The probe under way (the PTZ video sent at the level's lean audio): since when, its reports (as a climb's `run`). */
  private probe: { since: number; clean: number; n: number; loss: number } | null = null;
  /** When the last probe was abandoned: the next waits the hold from there. */
  private probeEndedAt = Number.NEGATIVE_INFINITY;

  constructor(o: UplinkBudgetOptions = {}) {
    this.o = { ...DEFAULTS, ...o };
    this.holds = UPLINK_LEVELS.map(() => this.o.holdMs);
  }

  get plan(): UplinkPlan {
    const level = UPLINK_LEVELS[this.level] ?? 'full';
    return this.probe ? probePlan(level) : planFor(level);
  }

  /** A probe of the link is under way (the PTZ video sent at the level's lean audio). */
  get probing(): boolean {
    return this.probe !== null;
  }

  /** The hold before the next step up from the level now, ms (grows after that step failed). */
  get holdMs(): number {
    return this.holds[this.level] ?? this.o.holdMs;
  }

  /** Doubles the hold of the step up from `level` (up to maxHoldMs). */
  private doubleHold(level: number): void {
    this.holds[level] = Math.min((this.holds[level] ?? this.o.holdMs) * 2, this.o.maxHoldMs);
  }

  /** A peer's report, as it arrives; out-of-range values are ignored. */
  report(source: ReportSource, r: LinkReport, now: number): void {
    if (!Number.isFinite(r.loss) || r.loss < 0 || r.loss > 1) return;
    const rtt = r.rttMs !== null && Number.isFinite(r.rttMs) && r.rttMs >= 0 ? r.rttMs : null;
    const min = Math.min(this.minRtt.get(source) ?? Number.POSITIVE_INFINITY, rtt ?? Number.POSITIVE_INFINITY);
    if (rtt !== null) this.minRtt.set(source, min);
    const queue = rtt === null ? 0 : rtt - min;
    const verdict = linkVerdict(r.loss, queue, this.o);
    this.pending.push({ source, verdict, loss: r.loss });
    this.last.set(source, { verdict, at: now });
  }

  /** The link now, from each peer's latest report while fresh: congested if one is, clean if all are, unknown if none. */
  state(now: number): LinkVerdict | 'unknown' {
    const v = [...this.last.values()].filter((x) => now - x.at <= this.o.staleMs).map((x) => x.verdict);
    if (v.length === 0) return 'unknown';
    if (v.includes('congested')) return 'congested';
    return v.every((x) => x === 'clean') ? 'clean' : 'neither';
  }

  /** Called about once a second: the new plan when it changes (the level, or a probe begun or ended), else null. */
  tick(now: number): UplinkPlan | null {
    const s = this.state(now);
    const reports = this.pending;
    this.pending = [];
    if (s === 'unknown') {
      this.congestedSince = null;
      this.cleanSince = null;
    } else if (s === 'congested') {
      this.congestedSince ??= now;
      this.cleanSince = null;
    } else if (s === 'clean') {
      this.congestedSince = null;
      if (this.cleanSince === null) {
        this.cleanSince = now;
        this.run = { n: 0, clean: 0, loss: 0 };
      }
    }
    if (this.cleanSince !== null)
      for (const r of reports) {
        this.run.n++;
        if (r.verdict === 'clean') this.run.clean++;
        this.run.loss += r.loss;
      }
    if (this.probe) return this.probeTick(s, reports, now);
    // The last step up held: its hold back to the base.
    if (this.changedAt === this.upAt && now - this.upAt >= RESET_AFTER_MS) this.holds[this.level + 1] = this.o.holdMs;
    const since = now - this.changedAt;
    const top = UPLINK_LEVELS.length - 1;
    // A step up not yet settled is a try: the first congested report takes it back, without waiting 2 s of
    // congestion or 4 s since the change (each second of a failed try is lost on every track).
    const trying = this.changedAt === this.upAt && since < FAILED_UP_MS;
    const tryFailed = trying && reports.some((r) => r.verdict === 'congested');
    if (
      s === 'congested' &&
      this.level < top &&
      (tryFailed || (this.congestedSince !== null && now - this.congestedSince >= this.o.downAfterMs && since >= this.o.minIntervalMs))
    ) {
      // The last change was a step up, and the link did not take it: try less often.
      if (trying) this.doubleHold(this.level + 1);
      return this.change(this.level + 1, now);
    }
    if (
      this.cleanSince !== null &&
      s !== 'congested' &&
      this.level > 0 &&
      // The link clean for the base hold: that is the evidence. The step's own hold (doubled by each failed try)
      // spaces the tries, from the last change and the last abandoned probe: asked of the clean run too, it kept a
      // freed link waiting up to 4 min after a long weak spell.
      now - this.cleanSince >= this.o.holdMs &&
      since >= this.holdMs &&
      now - this.probeEndedAt >= this.holdMs &&
      this.run.loss < this.o.cleanLoss * this.run.n &&
      this.run.clean >= this.o.cleanShare * this.run.n
    ) {
      const from = UPLINK_LEVELS[this.level] ?? 'full';
      const to = UPLINK_LEVELS[this.level - 1] ?? 'full';
      // The audio is raised only once the link carried a probe of the PTZ video beside the lean audio.
      if (raisesAudio(from, to)) {
        this.probe = { since: now, clean: 0, n: 0, loss: 0 };
        return this.plan;
      }
      return this.stepUp(now);
    }
    return null;
  }

  /**
   * A probe's tick: abandoned at the first congested report, the hold doubled; once it lasted probeMs with
   * probeReports from the gateway losing < cleanLoss (the PTZ video's own, ~1 a second), judged on its reports'
   * mean loss (< cleanLoss): a success steps up (a try as any step up: the hold
   * resets once it held 30 s), a failure doubles the hold; abandoned at probeMaxMs without its clean reports.
   */
  private probeTick(
    s: LinkVerdict | 'unknown',
    reports: readonly { source: ReportSource; verdict: LinkVerdict; loss: number }[],
    now: number,
  ): UplinkPlan | null {
    const p = this.probe;
    if (!p) return null;
    for (const r of reports) {
      p.n++;
      p.loss += r.loss;
      // Judged on loss: werift's round trips carry the gateway's event loop, and a loaded machine's kept every
      // probe from its clean reports (the climb back stalled 120 s at load 27–34).
      if (r.loss < this.o.cleanLoss && r.source === 'gateway') p.clean++;
    }
    const age = now - p.since;
    let failed = s === 'congested' || reports.some((r) => r.verdict === 'congested');
    if (!failed && age >= this.o.probeMs && p.clean >= this.o.probeReports) {
      if (p.loss < this.o.cleanLoss * p.n) return this.stepUp(now);
      failed = true;
    }
    if (!failed && age < this.o.probeMaxMs) return null;
    if (failed) this.doubleHold(this.level);
    this.probe = null;
    this.probeEndedAt = now;
    this.cleanSince = null;
    return this.plan;
  }

  private stepUp(now: number): UplinkPlan {
    const plan = this.change(this.level - 1, now);
    this.upAt = now;
    return plan;
  }

  private change(level: number, now: number): UplinkPlan {
    this.level = level;
    this.changedAt = now;
    this.probe = null;
    // Reports measured at the old rates say little about the new ones: judge afresh.
    this.congestedSince = null;
    this.cleanSince = null;
    return this.plan;
  }
}
