/**
 * A simulated device's wall clock: the host clock plus an offset, read as local fields in the zone the
 * device was set in. It can start wrong (reset to e.g. 2021-01-01 after a power loss) and be set by a
 * Current Time (0x2A2B) write, which it records so tests can assert what the gateway wrote.
 */
import {
  type Clock,
  type CurrentTime,
  currentTimeFromEpoch,
  type DeviceDateTime,
  decodeCurrentTime,
  encodeCurrentTime,
  epochToZonedFields,
  zonedToEpochMs,
  zoneOffsetMs,
} from '@telecart/devices';
import { AttError, type SimService } from '../bluez/types.js';

/** 'writable': Read/Notify/Write; 'read-only': no Write property; 'refuses-writes': Write answered with ATT 0x80. */
export type CurrentTimeMode = 'writable' | 'read-only' | 'refuses-writes';

/** CTS application error "Data field ignored" (CTS 1.1 §3.1.2.1), also what Spezi's test injects. */
export const CTS_ATT_DATA_FIELD_IGNORED = 0x80;

export interface ClockWrite {
  /** Host time of the write (the injected clock). */
  at: number;
  value: CurrentTime;
  bytes: Uint8Array;
}

export class DeviceClock {
  private offsetMs: number;
  /** Every accepted Current Time write, in order. */
  readonly writes: ClockWrite[] = [];
  /** Writes refused or malformed (bytes as received). */
  readonly refusedWrites: Uint8Array[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly timeZone: string,
    opts: { offsetMs?: number; resetTo?: DeviceDateTime } = {},
  ) {
    this.offsetMs = opts.resetTo ? zonedToEpochMs(opts.resetTo, timeZone) - clock.now() : (opts.offsetMs ?? 0);
  }

  /** Device clock minus host clock, ms. */
  get errorMs(): number {
    return this.offsetMs;
  }

  /** The device's idea of now, as epoch ms in its zone's reading. */
  nowMs(): number {
    return this.clock.now() + this.offsetMs;
  }

  /** The device's wall-clock fields now. */
  now(): DeviceDateTime {
    return epochToZonedFields(this.nowMs(), this.timeZone);
  }

  currentTime(): CurrentTime {
    const ms = this.nowMs();
    return currentTimeFromEpoch(ms, zoneOffsetMs(ms, this.timeZone) / 60_000, { manualUpdate: false });
  }

  /** Applies a Current Time write (fields are local time in the device's zone). Throws AttError on bad bytes. */
  write(bytes: Uint8Array): CurrentTime {
    const r = decodeCurrentTime(bytes);
    if (!r.ok || r.value.dateTime.year === 0 || r.value.dateTime.month === 0 || r.value.dateTime.day === 0) {
      this.refusedWrites.push(bytes);
      throw new AttError(CTS_ATT_DATA_FIELD_IGNORED, r.ok ? 'date unknown' : `${r.error.field}: ${r.error.reason}`);
    }
    const written = zonedToEpochMs(r.value.dateTime, this.timeZone) + Math.round((r.value.fractions256 * 1000) / 256);
    this.offsetMs = written - this.clock.now();
    this.writes.push({ at: this.clock.now(), value: r.value, bytes });
    return r.value;
  }

  /** Current Time Service 0x1805 serving this clock. */
  service(mode: CurrentTimeMode): SimService {
    const flags: ('read' | 'notify' | 'write')[] = mode === 'read-only' ? ['read', 'notify'] : ['read', 'notify', 'write'];
    return {
      uuid: '1805',
      characteristics: [
        {
          uuid: '2A2B',
          flags,
          read: () => encodeCurrentTime(this.currentTime()),
          ...(mode === 'read-only'
            ? {}
            : {
                write: (value: Uint8Array) => {
                  if (mode === 'refuses-writes') {
                    this.refusedWrites.push(value);
                    throw new AttError(CTS_ATT_DATA_FIELD_IGNORED, 'this device does not accept time writes');
                  }
                  this.write(value);
                },
              }),
        },
      ],
    };
  }
}
