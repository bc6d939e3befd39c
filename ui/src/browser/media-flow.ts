/**
 * Whether media really flowed from the other side of a call (docs/teleconsultation.md, « The home act's
 * status »): a peer connection that says `connected` proves nothing (it may fail at once, or carry nothing
 * decodable). What counts is what this page's browser decoded: video frames, or audio energy (a voice, not
 * digital silence), growing at each of `seconds` samples in a row, one a second. The specialist's page and
 * the home patient's page each say so once; both make the act's media up. Once said, a page says it again
 * on each new connection until the cloud answers that it is stored (MediaUpWord): a word said in the last
 * instant before a crash of the cloud is not lost with it.
 */

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

/**
 * A page's word that it decoded the other side: said once (decoded()), said again (again(), on each new
 * connection) until the cloud answers it is stored (stored()). `data-media-up` on `el`: said | stored.
 */
export class MediaUpWord {
  private state: 'none' | 'said' | 'stored' = 'none';

  constructor(
    private readonly say: () => void,
    private readonly el: HTMLElement,
  ) {}

  /** Said already (stored or not): the page need not sample what it decodes any longer. */
  get said(): boolean {
    return this.state !== 'none';
  }

  decoded(): void {
    if (this.state !== 'none') return;
    this.set('said');
    this.say();
  }

  again(): void {
    if (this.state === 'said') this.say();
  }

  stored(): void {
    this.set('stored');
  }

  private set(s: 'said' | 'stored'): void {
    this.state = s;
    this.el.dataset.mediaUp = s;
  }
}
