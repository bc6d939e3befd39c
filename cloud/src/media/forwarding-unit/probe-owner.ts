/**
 * One owner for the probes of a viewer's downlink (pure; docs/conversation.md « One owner for the cart's probes »).
 * Two parties send a cart video it may not have room for: the unit (a held-back guest's video, video-choice.ts) and
 * the specialist's page on its direct peer (its camera, paused by ui's downlink-guard.ts). Each probing blind to the
 * other put two probes on a 100 kbit/s link whose voices already took ~77. The unit owns them: it has the estimate of
 * the viewer's downlink and the rate of every voice it forwards; the page still pauses on its own (stepping down asks
 * nobody) and says so (`downlink {videoPaused}`, which the relay passes to the room), but resumes only when the unit
 * grants it the probe. Per viewer, each measure (about a second):
 * - **One probe at a time**: the direct video's probe holds the turn from its grant until the page says it paused
 *   again, or `directProbeMs` after it resumed; the unit's own probe holds it while video-choice.ts keeps it on trial.
 * - **None while the voices fill the link**: while the viewer's link lost (≥ 2 %) within `weakForMs` and the unit has
 *   an estimate, no probe unless the estimate reaches what the voices and their feedback need. A link clean for
 *   `weakForMs` is no longer known weak: its estimate grows only to 1.5 × what it carries (downlink-estimate.ts), so
 *   only a probe can show room.
 * - **Clinical order**: the specialist's camera before a guest's video: the unit probes none of its own while the
 *   direct video is paused or on trial.
 * - The direct probe comes `holdMs` after the pause (15 s; the guard's own timings, protocol's link-congestion.ts),
 *   on a link clean for `cleanMs`; one that fails (paused again within `settleMs` of its resume, or the page did not
 *   resume) doubles the hold up to `maxHoldMs`; one that holds `settleMs` resets it. A grant the page does not
 *   answer within `answerMs` (lost, the page gone) counts as failed.
 */
import { LINK_CONGESTION } from '@telecart/protocol';
import { CLEAN_BEFORE_PROBE_MS } from './video-choice.js';

export interface ProbeOwnerOptions {
  holdMs: number;
  maxHoldMs: number;
  settleMs: number;
  cleanMs: number;
  weakForMs: number;
  directProbeMs: number;
  answerMs: number;
}

export const PROBE_OWNER: ProbeOwnerOptions = {
  holdMs: LINK_CONGESTION.holdMs,
  maxHoldMs: LINK_CONGESTION.maxHoldMs,
  settleMs: LINK_CONGESTION.settleMs,
  cleanMs: CLEAN_BEFORE_PROBE_MS,
  weakForMs: 30_000,
  directProbeMs: 10_000,
  answerMs: 5_000,
};

/**
 * What the direct video toward the viewer is, as the unit knows it: `absent` (no page said anything), `sending`,
 * `paused`, `granted` (the unit granted the probe, the page has not answered), `trial` (resumed, holding the turn).
 */
export type DirectVideo = 'absent' | 'sending' | 'paused' | 'granted' | 'trial';

export interface ProbeTurnInput {
  now: number;
  /** The unit's estimate of the viewer's downlink (bits/s); undefined: not known. */
  estimate: number | undefined;
  /** What the viewer's voices and their feedback need (bits/s). */
  voicesBitsPerSecond: number;
  /** The viewer's link lost packets (≥ 2 %) since the last measure. */
  congested: boolean;
  /** The unit has a video of its own on trial toward the viewer (video-choice.ts). */
  unitProbing: boolean;
}

export interface ProbeTurn {
  /** The unit may start a probe of its own now. */
  unitMayProbe: boolean;
  /** Tell the direct sender to resume its video now, as the probe. */
  grantDirect: boolean;
}

export class ProbeOwner {
  private state: DirectVideo = 'absent';
  /** When the state last changed. */
  private since = Number.NEGATIVE_INFINITY;
  /** When the direct video last resumed (a failure within settleMs of it doubles the hold). */
  private resumedAt: number | undefined;
  private hold: number;
  private lostAt: number | undefined;
  /** Probes granted to the direct sender. */
  granted = 0;

  constructor(private readonly o: ProbeOwnerOptions = PROBE_OWNER) {
    this.hold = o.holdMs;
  }

  get direct(): DirectVideo {
    return this.state;
  }

  /** The hold before the next direct probe (ms). */
  get holdMs(): number {
    return this.hold;
  }

  /** The direct video holds the turn (granted, or resumed less than directProbeMs ago). */
  get directProbing(): boolean {
    return this.state === 'granted' || this.state === 'trial';
  }

  /** The direct sender said its video toward the viewer is paused, or sent. */
  directSaid(paused: boolean, now: number): void {
    if (paused) {
      if (this.state === 'paused') return;
      const failed = this.state === 'granted' || (this.resumedAt !== undefined && now - this.resumedAt < this.o.settleMs);
      this.hold = failed ? Math.min(this.o.maxHoldMs, this.hold * 2) : this.o.holdMs;
      this.resumedAt = undefined;
      this.set('paused', now);
      return;
    }
    // Resumed: on the unit's grant, or on the page's own (a page that does not know the unit owns the probes).
    if (this.state === 'granted' || this.state === 'paused') {
      this.resumedAt = now;
      this.set('trial', now);
    } else if (this.state === 'absent') this.set('sending', now);
  }

  /** One measure: whose turn it is to probe. */
  step(i: ProbeTurnInput): ProbeTurn {
    const { now } = i;
    if (i.congested) this.lostAt = now;
    if (this.state === 'granted' && now - this.since >= this.o.answerMs) {
      // Not answered: as a failed probe (the page is asked again after the doubled hold).
      this.hold = Math.min(this.o.maxHoldMs, this.hold * 2);
      this.set('paused', now);
    }
    if (this.state === 'trial' && now - this.since >= this.o.directProbeMs) this.set('sending', now);
    if (this.state === 'sending' && this.resumedAt !== undefined && now - this.resumedAt >= this.o.settleMs) {
      this.hold = this.o.holdMs;
      this.resumedAt = undefined;
    }
    const weak = i.estimate !== undefined && this.lostAt !== undefined && now - this.lostAt < this.o.weakForMs;
    const room = !weak || (i.estimate ?? 0) >= i.voicesBitsPerSecond;
    const clean = this.lostAt === undefined || now - this.lostAt >= this.o.cleanMs;
    const grantDirect = this.state === 'paused' && !i.unitProbing && room && clean && now - this.since >= this.hold;
    if (grantDirect) {
      this.granted++;
      this.set('granted', now);
    }
    const unitMayProbe = room && !grantDirect && this.state !== 'paused' && !this.directProbing;
    return { unitMayProbe, grantDirect };
  }

  private set(s: DirectVideo, now: number): void {
    this.state = s;
    this.since = now;
  }
}
