/** Tests: a signaling link that records what the agent publishes (checked against the contract) and hands it what the cloud would send down. */
import { formatIssues, type RtcDown, type RtcUp } from '@telecart/protocol';
import type { SignalingLink } from '../teleconsult/agent.js';
import { rtcValidators } from '../teleconsult/validators.js';

export class RecordingLink implements SignalingLink {
  readonly ups: RtcUp[] = [];
  private handler: ((p: Buffer) => void) | null = null;

  async publish(up: RtcUp): Promise<void> {
    const r = rtcValidators.up.validate(up);
    if (!r.ok) throw new Error(`RtcUp ${up.type} does not match the contract: ${formatIssues(r.issues)}`);
    this.ups.push(up);
  }

  onDown(h: (p: Buffer) => void): () => void {
    this.handler = h;
    return () => {
      this.handler = null;
    };
  }

  /** Bytes as they would come off the topic, well-formed or not. */
  raw(p: string | Buffer): void {
    this.handler?.(typeof p === 'string' ? Buffer.from(p) : p);
  }

  down(m: RtcDown | Record<string, unknown>): void {
    this.raw(JSON.stringify(m));
  }
}
