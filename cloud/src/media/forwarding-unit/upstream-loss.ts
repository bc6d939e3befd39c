/**
 * The loss a source's stream suffered on its way into the unit, so that a viewer is not blamed for it
 * (pure, no I/O). The unit forwards the source's sequence numbers as they came (rtp-rewriter.ts closes
 * only the gaps it makes itself), so a packet a weak uplink lost is a gap every viewer's receiver report
 * counts as lost: a source on a 150 kbit/s uplink losing a third of its video made the unit believe each
 * of its viewers' downlinks was losing a third, and hold back their other videos (downlink-estimate.ts).
 */
import { unwrapSeq } from './rtp-rewriter.js';

/** The share of sequence numbers missing among those a stream's packets spanned, per measuring window. */
export class ArrivalLoss {
  private start: number | undefined;
  private max = 0;
  private received = 0;
  /** The last closed window's fraction lost, 0–1 (0 before any). */
  fraction = 0;

  /** A packet arrived (a new source: `restart()` first). */
  onPacket(sequenceNumber: number): void {
    if (this.start === undefined) {
      this.start = sequenceNumber;
      this.max = sequenceNumber;
    } else {
      const ext = unwrapSeq(sequenceNumber, this.max);
      if (ext < this.start) return;
      if (ext > this.max) this.max = ext;
    }
    this.received++;
  }

  /** The window ends: its fraction is kept, the next one starts after the highest number seen. */
  close(): void {
    if (this.start === undefined) return;
    const expected = this.max - this.start + 1;
    // Duplicates and retransmissions may arrive more than once: never below 0.
    this.fraction = expected > 0 && this.received > 0 ? Math.min(1, Math.max(0, 1 - this.received / expected)) : this.fraction;
    if (this.received > 0) this.start = this.max + 1;
    this.received = 0;
  }

  /** Another SSRC: its numbers start anew. */
  restart(): void {
    this.start = undefined;
    this.received = 0;
    this.fraction = 0;
  }
}

/**
 * The loss a viewer's link caused, from the fraction its receiver report gives for a forwarded stream
 * and the fraction that stream had already lost upstream: of the packets the unit sent, the share that
 * did not arrive. Losses compose as (1 − reported) = (1 − upstream)(1 − downlink).
 */
export function downlinkLoss(reported: number, upstream: number): number {
  if (!(reported > 0)) return 0;
  if (!(upstream > 0)) return Math.min(1, reported);
  if (upstream >= 1) return 0;
  return Math.min(1, Math.max(0, (reported - upstream) / (1 - upstream)));
}
