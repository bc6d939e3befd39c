/**
 * Who receives whom, in which slot (pure). Each participant's offer brings a fixed number of
 * receive slots (an audio and a video m-line per other participant it may see); slot k of a viewer
 * carries one source's audio and video. A newcomer takes a free slot of every viewer and gets a slot
 * for every participant already there; a participant who leaves frees their slots, which go to a
 * participant that was waiting for one (more participants than a viewer has slots). A viewer never
 * receives a source it is `apart` from, one way: the cart and the home patient receive the specialist on
 * a direct peer connection (act-rooms.ts), so the room does not carry the specialist to them, while the
 * specialist receives them through the room (their conversation goes up once).
 */

export interface Assignment {
  viewer: string;
  slot: number;
  /** null: the slot is now empty. */
  source: string | null;
}

export class RoomPlan {
  /** viewer → its slots' sources (null = free), in join order. */
  private readonly slots = new Map<string, (string | null)[]>();

  /** `apart(viewer, source)`: this viewer never receives this source, whatever `apart(source, viewer)` says (default: everyone receives everyone). */
  constructor(private readonly apart: (viewer: string, source: string) => boolean = () => false) {}

  has(id: string): boolean {
    return this.slots.has(id);
  }

  participants(): string[] {
    return [...this.slots.keys()];
  }

  /** The viewers that receive `source`, with the slot each. */
  viewersOf(source: string): { viewer: string; slot: number }[] {
    const out: { viewer: string; slot: number }[] = [];
    for (const [viewer, s] of this.slots) {
      const k = s.indexOf(source);
      if (k >= 0) out.push({ viewer, slot: k });
    }
    return out;
  }

  sourceIn(viewer: string, slot: number): string | null {
    return this.slots.get(viewer)?.[slot] ?? null;
  }

  add(id: string, slotCount: number): Assignment[] {
    if (this.slots.has(id)) throw new Error(`participant ${id} is already in the room`);
    this.slots.set(id, new Array<string | null>(slotCount).fill(null));
    return this.fill();
  }

  remove(id: string): Assignment[] {
    if (!this.slots.delete(id)) return [];
    const changes: Assignment[] = [];
    for (const [viewer, s] of this.slots) {
      const k = s.indexOf(id);
      if (k >= 0) {
        s[k] = null;
        changes.push({ viewer, slot: k, source: null });
      }
    }
    // A freed slot goes at once to someone who had none with that viewer.
    const refill = this.fill();
    return [...changes.filter((c) => !refill.some((r) => r.viewer === c.viewer && r.slot === c.slot)), ...refill];
  }

  /** Gives every viewer's free slots to participants it does not receive yet, in join order. */
  private fill(): Assignment[] {
    const order = [...this.slots.keys()];
    const out: Assignment[] = [];
    for (const [viewer, s] of this.slots) {
      for (const source of order) {
        if (source === viewer || s.includes(source) || this.apart(viewer, source)) continue;
        const k = s.indexOf(null);
        if (k < 0) break;
        s[k] = source;
        out.push({ viewer, slot: k, source });
      }
    }
    return out;
  }
}
