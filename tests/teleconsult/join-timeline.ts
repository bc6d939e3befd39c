/**
 * Where the time goes when a participant joins an act's room (docs/conversation.md, « A newcomer, late »): on
 * each page, when each room member first appeared in its tiles (labelled, first video frame decoded and
 * presented, first voice), and in the unit, when the newcomer joined, its peer came up and the first packets went
 * each way. All on the machine's clock (Date.now()). Measures only: the browser tests print it, nothing asserts a time.
 */
import type { Page } from 'playwright-core';
import type { ForwardingRoomStats } from '../../cloud/src/media/forwarding-unit/forwarding-room.js';

/** One member as one page first had them (ms, the machine's clock), and what its decoder did for them so far. */
export interface PageFirsts {
  labelled?: number;
  decoded?: number;
  shown?: number;
  audio?: number;
  /** At the last poll: key frames decoded, PLIs and FIRs the page sent, freezes. */
  keyFrames?: number;
  plis?: number;
  firs?: number;
  freezes?: number;
}

/**
 * Init script (after CAPTURE_PEER): every 100 ms, per room member in a tile of the page (`data-participant`), when
 * the tile was first labelled and shown, when its video m-line's frames decoded and its voice's energy first grew
 * past what they were at the labelling (a slot another member held before starts from its count), and when the
 * tile's element first presented a frame past it (getVideoPlaybackQuality; Chromium counts none for a video off
 * screen). In `window.__joins`, by member id.
 */
export function JOIN_TIMELINE(): void {
  type Firsts = {
    labelled?: number;
    decoded?: number;
    shown?: number;
    audio?: number;
    keyFrames?: number;
    plis?: number;
    firs?: number;
    freezes?: number;
  };
  const w = window as unknown as { __pcs?: RTCPeerConnection[]; __joins: Record<string, Firsts> };
  w.__joins = {};
  /** member → its tile's counts when it was labelled there. */
  const base = new Map<string, { frames: number; energy: number; presented: number }>();
  const tick = async () => {
    const now = Date.now();
    const pc = (w.__pcs ?? []).findLast((p) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length >= 4);
    const byMid = new Map<string, Record<string, unknown>>();
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && typeof s.mid === 'string') byMid.set(s.mid, s);
    });
    for (const f of document.querySelectorAll<HTMLElement>('figure[data-slot]')) {
      const who = f.dataset.participant;
      if (!who || f.hidden) continue;
      const v = byMid.get(f.dataset.videoMid ?? '');
      const a = byMid.get(f.dataset.audioMid ?? '');
      const frames = Number(v?.framesDecoded ?? 0);
      const energy = Number(a?.totalAudioEnergy ?? 0);
      const presented = f.querySelector('video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0;
      w.__joins[who] ??= {};
      const j = w.__joins[who];
      if (j.labelled === undefined) {
        j.labelled = now;
        base.set(who, { frames, energy, presented });
      }
      const b = base.get(who) ?? { frames: 0, energy: 0, presented: 0 };
      if (frames > b.frames) j.decoded ??= now;
      if (energy > b.energy) j.audio ??= now;
      if (presented > b.presented) j.shown ??= now;
      j.keyFrames = Number(v?.keyFramesDecoded ?? 0);
      j.plis = Number(v?.pliCount ?? 0);
      j.firs = Number(v?.firCount ?? 0);
      j.freezes = Number(v?.freezeCount ?? 0);
    }
    setTimeout(() => void tick(), 100);
  };
  setTimeout(() => void tick(), 100);
}

export function pageFirsts(page: Page): Promise<Record<string, PageFirsts>> {
  return page.evaluate(() => (window as unknown as { __joins?: Record<string, PageFirsts> }).__joins ?? {});
}

/** The unit's side of one member's join (ms, the machine's clock). */
export interface UnitFirsts {
  /** The newcomer's member id in the room (the first member not there when the watch began). */
  member?: string;
  joined?: number;
  live?: number;
  /** Viewer → when its slot of the newcomer first carried a video / an audio packet. */
  videoTo: Record<string, number>;
  audioTo: Record<string, number>;
  /** Source → when the newcomer's slot of it first carried a video packet. */
  videoFrom: Record<string, number>;
}

/**
 * Polls the room's stats every 100 ms until stopped: for the next member to join (the first not in the room now), when
 * it joined, when its peer was up, and when the first packets went from it to each viewer and to it from each source;
 * and the room's counters before and after.
 */
export function watchUnitJoin(stats: () => ForwardingRoomStats | null): {
  stop(): Promise<{ firsts: UnitFirsts; before: ForwardingRoomStats | null; after: ForwardingRoomStats | null }>;
} {
  const firsts: UnitFirsts = { videoTo: {}, audioTo: {}, videoFrom: {} };
  const before = stats();
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = stats();
      const now = Date.now();
      firsts.member ??= Object.keys(s?.members ?? {}).find((id) => before?.members[id] === undefined);
      const member = firsts.member;
      const m = member === undefined ? undefined : s?.members[member];
      if (m) firsts.joined ??= now;
      if (m?.live) firsts.live ??= now;
      for (const [id, v] of Object.entries(s?.members ?? {})) {
        for (const slot of v.sent.slotsBy) {
          // A slot that carried someone else before the join: from its count then.
          const was = before?.members[id]?.sent.slotsBy.find((x) => x.mid === slot.mid)?.media.packets ?? 0;
          if (slot.media.packets <= was) continue;
          if (member === undefined) continue;
          if (id !== member && slot.source === member) (slot.kind === 'video' ? firsts.videoTo : firsts.audioTo)[id] ??= now;
          if (id === member && slot.source !== null && slot.kind === 'video') firsts.videoFrom[slot.source] ??= now;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { firsts, before, after: stats() };
    },
  };
}

/** « +1.2 s » from `t0`, or « — ». */
export function since(t0: number, t: number | undefined): string {
  return t === undefined ? '—' : `+${((t - t0) / 1000).toFixed(1)} s`;
}

/** The page's camera toward the room (its room peer's video outbound-rtp): key frames it encoded, PLIs it was sent, resolution changes. */
export function cameraKeyframes(page: Page): Promise<{ keyFrames: number; plis: number; resolutionChanges: number; width: number }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const pc = pcs.findLast((p) => p.getTransceivers().filter((t) => t.direction === 'recvonly').length >= 4);
    const out = { keyFrames: 0, plis: 0, resolutionChanges: 0, width: 0 };
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out.keyFrames += Number(s.keyFramesEncoded ?? 0);
      out.plis += Number(s.pliCount ?? 0);
      out.resolutionChanges += Number(s.qualityLimitationResolutionChanges ?? 0);
      out.width = Math.max(out.width, Number(s.frameWidth ?? 0));
    });
    return out;
  });
}
