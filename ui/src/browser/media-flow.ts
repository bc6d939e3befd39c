/**
 * Whether media really flowed from the other side of a call (docs/teleconsultation.md, « The home act's
 * status »): a peer connection that says `connected` proves nothing (it may fail at once, or carry nothing
 * decodable). What counts is what this page's browser decoded: video frames, or audio energy (a voice, not
 * digital silence), growing at each of `seconds` samples in a row, one a second. The specialist's page and
 * the home patient's page each say so once; both make the act's media up. Once said, a page says it again
 * on each new connection, and on a timer with a backoff, until the cloud answers that it is stored
 * (MediaUpWord): a word said in the last instant before a crash of the cloud, or one the cloud failed to
 * store, is not lost.
 */
import { Backoff } from './backoff.js';

/** What a page received from the other side so far (getStats, cumulative): video frames decoded, audio energy. */
export interface Received {
  frames: number;
  energy: number;
}

export class MediaFlow {
  private last: Received | null = null;
  private run = 0;

  /** `seconds`: how many samples in a row must each show frames or energy growing (default 3). */
  constructor(private readonly seconds = 3) {}

  /**
   * One sample (once a second); true once the last `seconds` samples each grew. A count that goes down
   * (a new peer connection, counting from 0) starts the run over.
   */
  sample(r: Received): boolean {
    const prev = this.last;
    this.last = r;
    const grew = prev !== null && r.frames >= prev.frames && r.energy >= prev.energy && (r.frames > prev.frames || r.energy > prev.energy);
    this.run = grew ? this.run + 1 : 0;
    return this.run >= this.seconds;
  }
}

/** Frames decoded and audio energy received on `pc` (only on the m-lines `mids`, when given). */
export async function received(pc: RTCPeerConnection | null | undefined, mids?: ReadonlySet<string>): Promise<Received> {
  const out: Received = { frames: 0, energy: 0 };
  if (!pc || pc.connectionState === 'closed') return out;
  const stats = await pc.getStats();
  stats.forEach((s: Record<string, unknown>) => {
    if (s.type !== 'inbound-rtp' || (mids && !(typeof s.mid === 'string' && mids.has(s.mid)))) return;
    if (s.kind === 'video') out.frames += Number(s.framesDecoded ?? 0);
    else if (s.kind === 'audio') out.energy += Number(s.totalAudioEnergy ?? 0);
  });
  return out;
}

/** The timers a MediaUpWord re-says its word with (the page's own; a test's). */
export interface WordTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const PAGE_TIMERS: WordTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A page's word that it decoded the other side: said once (decoded()), then said again until the cloud
 * answers it is stored (stored()): at once on each new connection (again()), and on a timer meanwhile
 * (`backoff`: 2 s doubling to 30 s, ±20 %; from the first delay again after each again()). A word the cloud
 * received but could not store is not acknowledged (docs/teleconsultation.md, « The home act's status »), so
 * the timer says it again without the page losing its socket. `data-media-up` on `el`: said | stored.
 */
export class MediaUpWord {
  private state: 'none' | 'said' | 'stored' = 'none';
  private timer: unknown;
  private readonly backoff: Backoff;
  private readonly timers: WordTimers;

  constructor(
    private readonly say: () => void,
    private readonly el: HTMLElement,
    o: { backoff?: Backoff; timers?: WordTimers } = {},
  ) {
    this.backoff = o.backoff ?? new Backoff({ firstMs: 2000, maxMs: 30_000 });
    this.timers = o.timers ?? PAGE_TIMERS;
  }

  /** Said already (stored or not): the page need not sample what it decodes any longer. */
  get said(): boolean {
    return this.state !== 'none';
  }

  decoded(): void {
    if (this.state !== 'none') return;
    this.set('said');
    this.sayNow();
  }

  again(): void {
    if (this.state === 'said') this.sayNow();
  }

  stored(): void {
    this.set('stored');
    this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private sayNow(): void {
    this.backoff.reset();
    this.say();
    this.arm();
  }

  /** Says it again after the next delay, until stored. */
  private arm(): void {
    this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      if (this.state !== 'said') return;
      this.say();
      this.arm();
    }, this.backoff.next());
  }

  private set(s: 'said' | 'stored'): void {
    this.state = s;
    this.el.dataset.mediaUp = s;
  }
}
