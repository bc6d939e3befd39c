/** The devices the gateway has seen, with their traffic counts, for the status page (bounded). */
import type { DeviceFrame, DeviceInfo } from '@telecart/devices';
import type { RecordNumberingReset } from './record-numbering.js';

/** How a device's clock is being handled, for the status page and tests. */
export interface DeviceClockState {
  /** Measured device − gateway offset when it exceeded the tolerance, else 0. */
  offsetMs: number;
  /** 'ok': within tolerance; 'written': the gateway set it; 'correcting': readings are shifted by the offset. */
  state: 'ok' | 'written' | 'correcting';
  checkedAt: string;
}

export interface DeviceSeen {
  id: string;
  name?: string;
  transport: DeviceFrame['transport'];
  info?: DeviceInfo;
  /** The definition serving it and why it was picked. */
  definition?: { id: string; reason: string };
  clock?: DeviceClockState;
  /** The latest restart of the device's record numbering the RACP procedure saw (reset meter, wrap). */
  numberingReset?: RecordNumberingReset & { resets: number };
  /** Driver-reported connection state when known ('connected', 'disconnected', …), else 'seen'. */
  state: string;
  firstSeenAt: string;
  lastSeenAt: string;
  frames: number;
  readings: number;
  malformed: number;
}

const MAX_DEVICES = 256;

export function clip(s: string | undefined, max = 128): string | undefined {
  return s === undefined ? undefined : s.slice(0, max);
}

export class SeenDevices {
  private readonly devices = new Map<string, DeviceSeen>();

  get(id: string): DeviceSeen | undefined {
    return this.devices.get(id);
  }

  /** The device, added when new (`at`: ISO time it was first seen). */
  getOrAdd(id: string, transport: DeviceSeen['transport'], at: string): DeviceSeen {
    return this.devices.get(id) ?? this.add(id.slice(0, 128), transport, at);
  }

  /** The last receive time formatted: frames of a burst often arrive in the same millisecond. */
  private lastSeen = { ms: Number.NaN, at: '' };

  /** A frame arrived: counted, with what it says about its device. */
  noteFrame(frame: DeviceFrame): DeviceSeen {
    if (frame.receivedAt !== this.lastSeen.ms) this.lastSeen = { ms: frame.receivedAt, at: new Date(frame.receivedAt).toISOString() };
    const at = this.lastSeen.at;
    const d = this.devices.get(frame.deviceId) ?? this.add(frame.deviceId, frame.transport, at);
    d.frames++;
    d.lastSeenAt = at;
    if (frame.name !== undefined) d.name = clip(frame.name);
    if (frame.info) d.info = { ...frame.info };
    return d;
  }

  list(): DeviceSeen[] {
    return [...this.devices.values()].map((d) => ({ ...d }));
  }

  private add(id: string, transport: DeviceSeen['transport'], at: string): DeviceSeen {
    const d: DeviceSeen = { id, transport, state: 'seen', firstSeenAt: at, lastSeenAt: at, frames: 0, readings: 0, malformed: 0 };
    if (this.devices.size >= MAX_DEVICES) {
      // Forget the longest-silent device rather than grow without bound.
      const oldest = [...this.devices.values()].sort((a, b) => a.lastSeenAt.localeCompare(b.lastSeenAt))[0];
      if (oldest) this.devices.delete(oldest.id);
    }
    this.devices.set(d.id, d);
    return d;
  }
}
