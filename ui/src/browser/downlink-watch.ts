/**
 * The other side's downlink as a sender's own peer connection reads it (docs/conversation.md « The cart's downlink »):
 * once a second, the receiver reports that arrived since the last look (remote-inbound-rtp whose round-trip
 * measurement count grew: a paused video's last report stands still and says nothing new), fed to a DownlinkGuard;
 * `onChange` hears when the guard pauses or resumes the video, or a resumed video's trial ends (`settling`). One watch
 * per peer connection; `stop()` ends it. `owned(true)`: the forwarding unit owns the probes of that downlink, the video
 * resumes only on its grant, `probe()` (downlink-guard.ts).
 */
import { DownlinkGuard, type LinkReport } from './downlink-guard.js';

/** The fresh reports among `stats` (remote-inbound-rtp), given the measurement counts seen before (updated). */
export function freshReport(stats: RTCStatsReport, seen: Map<string, number>): LinkReport {
  let fractionLost: number | undefined;
  let rttMs: number | undefined;
  stats.forEach((s: Record<string, unknown>) => {
    if (s.type !== 'remote-inbound-rtp' || typeof s.id !== 'string') return;
    const count = Number(s.roundTripTimeMeasurements ?? 0);
    if (count <= (seen.get(s.id) ?? 0)) return;
    seen.set(s.id, count);
    const lost = Number(s.fractionLost ?? 0);
    if (Number.isFinite(lost)) fractionLost = Math.max(fractionLost ?? 0, lost);
    const rtt = Number(s.roundTripTime);
    if (Number.isFinite(rtt)) rttMs = Math.max(rttMs ?? 0, rtt * 1000);
  });
  return { fractionLost, rttMs };
}

export interface DownlinkWatch {
  stop(): void;
  /** The forwarding unit owns the probes of this downlink (or no longer). */
  owned(owned: boolean): void;
  /** The unit's grant: resume a paused video now. Returns whether the video goes on. */
  probe(): boolean;
}

export function watchDownlink(
  pc: RTCPeerConnection,
  onChange: (video: boolean, settling: boolean) => void,
  intervalMs = 1000,
): DownlinkWatch {
  const guard = new DownlinkGuard();
  const seen = new Map<string, number>();
  const timer = setInterval(() => {
    if (pc.connectionState === 'closed') {
      clearInterval(timer);
      return;
    }
    pc.getStats()
      .then((stats) => {
        const [video, settling] = [guard.video, guard.settling];
        if (guard.tick(performance.now(), freshReport(stats, seen)) !== video || guard.settling !== settling)
          onChange(guard.video, guard.settling);
      })
      .catch(() => undefined /* closed meanwhile */);
  }, intervalMs);
  return {
    stop: () => clearInterval(timer),
    owned: (owned) => guard.setOwned(owned),
    probe: () => {
      const [video, settling] = [guard.video, guard.settling];
      guard.probe(performance.now());
      if (guard.video !== video || guard.settling !== settling) onChange(guard.video, guard.settling);
      return guard.video;
    },
  };
}
