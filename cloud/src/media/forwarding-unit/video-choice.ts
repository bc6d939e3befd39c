/**
 * Which videos the unit forwards to one viewer (pure; one chooser per viewer). Voice first: the
 * viewer's audio streams are always forwarded and their rate is taken off the viewer's downlink
 * estimate; what remains goes to the video slots best first (the slot the viewer pinned, then the
 * others in slot order), a slot taken only if it fits after every better one — a slot that does not
 * fit ends the list, so a worse slot never plays while a better one is paused.
 *
 * Resuming: a paused slot comes back when it fits with a margin (RESUME_MARGIN, so that a rate near
 * the budget does not switch on and off every second). A browser's receive-side estimate (REMB)
 * grows only while the link carries traffic (Chromium caps it near 1.5 × what arrives), so an
 * estimate measured on voice alone may never show room for a video: every `probe.initialMs` after a
 * pause the next paused slot is tried anyway (a probe), kept for `probe.holdMs` unless the link
 * loses packets meanwhile; then it must fit as any other. A probe paused again (the link could not
 * take it) doubles the wait, up to `probe.maxMs`; a probe
 * that holds resets the wait. A probe starts only on a link that lost nothing for `probe.cleanMs`: on a
 * link that keeps losing (a cart's downlink at 100 kbit/s, full with its voices) a probe's key frame, several
 * times what the link's queue holds, cost the voices a second or two each time and never held. And only when the
 * viewer's probe owner allows it (`mayProbe`, probe-owner.ts: one probe at a time with a direct sender's, none
 * while the voices fill the link).
 *
 * The estimate is undefined until the viewer's browser reported one: every video is forwarded
 * meanwhile (what the unit did before it chose per viewer).
 */

export interface VideoCandidate {
  /** The viewer's slot index. */
  slot: number;
  /** What the slot's source sends now (bits/s, packets' overhead included). */
  bitsPerSecond: number;
}

export interface VideoChoiceInput {
  /** The viewer's downlink estimate (bits/s); undefined: not known yet. */
  estimate: number | undefined;
  /** What the viewer's audio streams take (bits/s), always forwarded. */
  audioBitsPerSecond: number;
  /** The video slots that carry a source, best first. */
  candidates: VideoCandidate[];
  /** The viewer's link lost packets since the last choice (a probe ends at once). */
  congested: boolean;
  now: number;
  /**
   * Whether a probe may start now (default true): the viewer's probes have one owner, which also hears of the
   * direct sender's (probe-owner.ts); a probe on trial goes on.
   */
  mayProbe?: boolean;
}

export interface ProbeOptions {
  initialMs: number;
  maxMs: number;
  holdMs: number;
  /** A probe starts only this long (ms) after the link last lost packets (default CLEAN_BEFORE_PROBE_MS). */
  cleanMs?: number;
}

export const CLEAN_BEFORE_PROBE_MS = 4_000;

export const DEFAULT_PROBE: ProbeOptions = { initialMs: 8_000, maxMs: 64_000, holdMs: 5_000, cleanMs: CLEAN_BEFORE_PROBE_MS };

/** A paused slot resumes only if its rate times this fits. */
export const RESUME_MARGIN = 1.25;

export class VideoChooser {
  private forwarded = new Set<number>();
  private probing: { slot: number; since: number } | undefined;
  private waitMs: number;
  private nextProbeAt: number | undefined;
  /** When the viewer's link last lost packets (a congested choice). */
  private lostAt: number | undefined;

  constructor(private readonly probe: ProbeOptions = DEFAULT_PROBE) {
    this.waitMs = probe.initialMs;
  }

  /** The slot on trial (a probe), if any. */
  probingSlot(): number | undefined {
    return this.probing?.slot;
  }

  /** The slots forwarded after the last choice. */
  current(): ReadonlySet<number> {
    return this.forwarded;
  }

  /** The video slots to forward now. */
  choose(i: VideoChoiceInput): Set<number> {
    if (i.estimate === undefined) {
      this.forwarded = new Set(i.candidates.map((c) => c.slot));
      this.probing = undefined;
      this.nextProbeAt = undefined;
      return new Set(this.forwarded);
    }
    if (i.congested) this.lostAt = i.now;
    const budget = i.estimate - i.audioBitsPerSecond;
    const next = new Set<number>();
    let used = 0;
    let firstLeftOut: VideoCandidate | undefined;
    for (const c of i.candidates) {
      const p = this.probing;
      const probed = p?.slot === c.slot && i.now - p.since < this.probe.holdMs && !i.congested;
      const need = this.forwarded.has(c.slot) ? c.bitsPerSecond : c.bitsPerSecond * RESUME_MARGIN;
      if (probed || used + need <= budget) {
        next.add(c.slot);
        used += c.bitsPerSecond;
      } else {
        firstLeftOut = c;
        break;
      }
    }
    // A probe that was paused again failed: wait twice as long; one that held: the wait resets.
    if (this.probing) {
      if (!next.has(this.probing.slot)) {
        this.waitMs = Math.min(this.waitMs * 2, this.probe.maxMs);
        this.probing = undefined;
        this.nextProbeAt = i.now + this.waitMs;
      } else if (i.now - this.probing.since >= this.probe.holdMs) {
        this.waitMs = this.probe.initialMs;
        this.probing = undefined;
        this.nextProbeAt = i.now + this.waitMs;
      }
    }
    if (firstLeftOut) {
      this.nextProbeAt ??= i.now + this.waitMs;
      const clean = this.lostAt === undefined || i.now - this.lostAt >= (this.probe.cleanMs ?? CLEAN_BEFORE_PROBE_MS);
      const allowed = i.mayProbe !== false;
      if (!this.probing && allowed && clean && i.now >= this.nextProbeAt && !this.forwarded.has(firstLeftOut.slot)) {
        next.add(firstLeftOut.slot);
        this.probing = { slot: firstLeftOut.slot, since: i.now };
        this.nextProbeAt = undefined;
      }
    } else if (!this.probing) this.nextProbeAt = undefined;
    this.forwarded = next;
    return new Set(next);
  }
}

/**
 * The REMB the unit tells a video source: what its best-placed viewer has room for once its audio
 * is served (a viewer not measured yet counts as the ceiling), between `floor` and `ceiling`. One
 * rate for all the source's viewers (no simulcast): the best one sets it, a weaker one pauses the
 * video rather than holding everyone down to its link.
 */
export function sourceRemb(
  viewers: { estimate: number | undefined; audioBitsPerSecond: number }[],
  floor: number,
  ceiling: number,
): number {
  let best = floor;
  for (const v of viewers) {
    const room = v.estimate === undefined ? ceiling : v.estimate - v.audioBitsPerSecond;
    best = Math.max(best, room);
  }
  return Math.min(ceiling, Math.max(floor, Math.round(best)));
}
