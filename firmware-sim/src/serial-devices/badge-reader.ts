/**
 * A simulated 13.56 MHz badge reader in USB serial mode on a pty: each tap writes the card's UID
 * as upper-case hex and CR LF (devices' badge-uid codec), as the readers hospitals fit to carts do.
 */
import { encodeBadgeUid } from '@telecart/devices';
import type { PtyPair } from './pty-pair.js';

export class SimulatedBadgeReader {
  constructor(private readonly pty: PtyPair) {}

  /** A card held to the reader; false while unplugged (the tap is lost, as on a real cable). */
  tap(uid: string): Promise<boolean> {
    return this.pty.write(encodeBadgeUid(uid));
  }
}
