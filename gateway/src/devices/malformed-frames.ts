/**
 * Bad frames: checked before any field is trusted, counted per device and reason, logged once per
 * device/characteristic/reason (a device repeating a bad frame must not flood the log), and announced.
 */
import { type DeviceFrame, normalizeCharacteristic } from '@telecart/devices';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';

export interface MalformedFrame {
  deviceId: string;
  characteristic: string;
  /** Short, bounded label: 'invalid-frame', 'decode:<field>', 'invalid-observation', 'internal-error'. */
  reason: string;
  detail: string;
  hex: string;
}

const MAX_HEX_BYTES = 64;
const MAX_LOGGED_KINDS = 1000;

export function hexOf(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, MAX_HEX_BYTES)).toString('hex').toUpperCase();
  return bytes.byteLength > MAX_HEX_BYTES ? `${hex}…(${bytes.byteLength} bytes)` : hex;
}

/** The frame comes from another module's driver: check it before trusting any field. */
export function frameProblem(f: DeviceFrame): string | undefined {
  if (typeof f !== 'object' || f === null) return 'not an object';
  if (typeof f.deviceId !== 'string' || f.deviceId.length === 0 || f.deviceId.length > 128) return 'deviceId must be 1..128 characters';
  if (f.transport !== 'ble' && f.transport !== 'serial' && f.transport !== 'audio') return `unknown transport ${String(f.transport)}`;
  if (typeof f.characteristic !== 'string' || f.characteristic.length === 0) return 'characteristic missing';
  if (!(f.bytes instanceof Uint8Array)) return 'bytes must be a Uint8Array';
  if (typeof f.receivedAt !== 'number' || !Number.isFinite(f.receivedAt)) return 'receivedAt must be ms since epoch';
  return undefined;
}

export class MalformedFrames {
  private readonly counts = new Map<string, { deviceId: string; reason: string; count: number }>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics | undefined,
    private readonly announce: (m: MalformedFrame) => void,
  ) {}

  report(m: MalformedFrame): void {
    const key = `${m.deviceId}\u0000${m.reason}`;
    const c = this.counts.get(key);
    if (c) c.count++;
    else this.counts.set(key, { deviceId: m.deviceId, reason: m.reason, count: 1 });
    this.metrics?.malformedFrames.inc({ device: m.deviceId, reason: m.reason });
    const kind = `${m.deviceId}\u0000${m.characteristic}\u0000${m.reason}`;
    if (!this.logged.has(kind) && this.logged.size < MAX_LOGGED_KINDS) {
      this.logged.add(kind);
      const characteristic = normalizeCharacteristic(m.characteristic) ?? m.characteristic;
      this.logger.warn(
        { deviceId: m.deviceId, characteristic, reason: m.reason, detail: m.detail, hex: m.hex },
        'malformed device frame skipped (further ones of this kind are only counted)',
      );
    }
    this.announce(m);
  }

  list(): { deviceId: string; reason: string; count: number }[] {
    return [...this.counts.values()].map((m) => ({ ...m }));
  }
}
