/**
 * Who speaks in a room (pure, no I/O): the unit reads each party's audio level off its packets (the
 * RFC 6464 header extension `urn:ietf:params:rtp-hdrext:ssrc-audio-level`, written by the sender's
 * browser, no decoding) and this module turns (source, level, time) into the dominant speaker.
 *
 * - A level is in −dBov, 0 the loudest and 127 silence (a muted microphone sends 127). Each source's
 *   loudness is 127 − level, smoothed as the **peak over the last `windowMs`** (default 800 ms): speech
 *   comes in syllables with gaps, and Chromium's fake microphone beeps 20 ms every 500 ms, so a mean
 *   would read a talker as quiet between bursts; the peak holds them. A source whose packets stop
 *   fades out with its window.
 * - A source **speaks** while its smoothed loudness is at least `speechLoudness` (default 67: a level
 *   of −60 dBov or louder).
 * - **Hysteresis**: the loudest speaking source is the candidate; it becomes the speaker only after
 *   being the candidate without a break for `leadMs` (default 1 s), and, while the speaker still
 *   speaks, louder than them by `marginDb` (default 3 dB). So two parties' alternating noise does not
 *   flap: the speaker changes at most once per `leadMs`.
 * - **Silence keeps the last speaker**: when nobody speaks the speaker stays (their tile stays marked);
 *   only a source that leaves (`remove`) clears it.
 */

export interface ActiveSpeakerOptions {
  windowMs?: number;
  speechLoudness?: number;
  leadMs?: number;
  marginDb?: number;
}

/** The loudest level (0 dBov) as loudness; silence (127) is 0. */
export const MAX_LEVEL = 127;

interface Levels {
  /** (time, loudness), times ascending, loudness descending: the window's running maximum. */
  peaks: { at: number; loudness: number }[];
}

export class ActiveSpeaker {
  private readonly sources = new Map<string, Levels>();
  private speakerId: string | null = null;
  private candidate: { id: string; since: number } | null = null;
  private readonly windowMs: number;
  private readonly speech: number;
  private readonly leadMs: number;
  private readonly marginDb: number;

  constructor(o: ActiveSpeakerOptions = {}) {
    this.windowMs = o.windowMs ?? 800;
    this.speech = o.speechLoudness ?? 67;
    this.leadMs = o.leadMs ?? 1000;
    this.marginDb = o.marginDb ?? 3;
  }

  /** The dominant speaker (null: nobody spoke yet, or they left). */
  get speaker(): string | null {
    return this.speakerId;
  }

  /** A source's smoothed loudness at `now` (0 silence … 127 at 0 dBov). */
  loudness(source: string, now: number): number {
    const l = this.sources.get(source);
    if (!l) return 0;
    this.expire(l, now);
    return l.peaks[0]?.loudness ?? 0;
  }

  /**
   * One packet's level (0 loudest … 127 silence) from `source` at `now` (ms, not decreasing).
   * Returns true when the speaker changed.
   */
  level(source: string, level: number, now: number): boolean {
    const loudness = MAX_LEVEL - Math.min(MAX_LEVEL, Math.max(0, Math.round(level)));
    let l = this.sources.get(source);
    if (!l) {
      l = { peaks: [] };
      this.sources.set(source, l);
    }
    while (l.peaks.length > 0 && (l.peaks.at(-1)?.loudness ?? 0) <= loudness) l.peaks.pop();
    l.peaks.push({ at: now, loudness });
    return this.decide(now);
  }

  /** A source left: its levels go; if it was the speaker, nobody is. Returns true when the speaker changed. */
  remove(source: string): boolean {
    this.sources.delete(source);
    if (this.candidate?.id === source) this.candidate = null;
    if (this.speakerId !== source) return false;
    this.speakerId = null;
    return true;
  }

  private expire(l: Levels, now: number): void {
    while (l.peaks.length > 0 && (l.peaks[0]?.at ?? 0) <= now - this.windowMs) l.peaks.shift();
  }

  private decide(now: number): boolean {
    let best: { id: string; loudness: number } | null = null;
    for (const id of this.sources.keys()) {
      const loudness = this.loudness(id, now);
      if (loudness >= this.speech && (best === null || loudness > best.loudness)) best = { id, loudness };
    }
    const current = this.speakerId === null ? 0 : this.loudness(this.speakerId, now);
    const challenger =
      best !== null && best.id !== this.speakerId && (current < this.speech || best.loudness >= current + this.marginDb) ? best.id : null;
    if (challenger === null) {
      this.candidate = null;
      return false;
    }
    if (this.candidate?.id !== challenger) this.candidate = { id: challenger, since: now };
    if (now - this.candidate.since < this.leadMs) return false;
    this.speakerId = challenger;
    this.candidate = null;
    return true;
  }
}
