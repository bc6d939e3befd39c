/**
 * The deterministic load of the chaos runs: the four simulated BLE devices of firmware-sim
 * (seeded values, a device clock that steps one second per reading so every reading has its own
 * device time), measured round-robin at a fixed period. Every final PDU a device delivered to the
 * gateway is a produced reading; each gets a wall-clock stamp so the readings a SIGKILLed gateway
 * may have received but not yet committed can be re-delivered after its restart, as a device
 * repeats its stored records on reconnection (the content key makes a re-read harmless).
 */
import { type Clock, decodeCharacteristic } from '@telecart/devices';
import type { SentPdu, VirtualDevices } from '@telecart/firmware-sim';

/** The characteristic each simulated device delivers its final readings on. */
export const FINAL_CHARACTERISTIC: Record<string, string> = {
  'blood-pressure-cuff': '2A35',
  'weight-scale': '2A9D',
  'pulse-oximeter': '2A5E',
  thermometer: '2A1C',
};

/** Device clocks start this far in the past and step 1 s per reading: unique times, never in the future. */
const CLOCK_START_BEHIND_MS = 12 * 3600_000;

export function deviceClock(start = Date.now() - CLOCK_START_BEHIND_MS): Clock {
  let t = Math.floor(start / 1000) * 1000;
  return {
    now() {
      t += 1000;
      return t;
    },
  };
}

/** The identity of a reading as the cloud must show it: device, code, device time. */
export function readingKey(deviceId: string, loinc: string, mdc: number | undefined, deviceTime: string | null): string {
  return `${deviceId}|${loinc}|${mdc ?? ''}|${deviceTime ?? ''}`;
}

function isoFields(t: { year: number; month: number; day: number; hours: number; minutes: number; seconds: number }): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}T${p(t.hours)}:${p(t.minutes)}:${p(t.seconds)}`;
}

/** The keys of the final readings one PDU carries (a cuff PDU carries the BP panel and the pulse). */
export function keysOfPdu(pdu: Pick<SentPdu, 'address' | 'characteristic' | 'bytes'>): string[] {
  const r = decodeCharacteristic(pdu.characteristic, pdu.bytes);
  if (!r.ok) throw new Error(`simulator sent undecodable bytes on ${pdu.characteristic}: ${r.error.field}`);
  return r.value
    .filter((d) => d.status === 'final')
    .map((d) => readingKey(`ble:${pdu.address}`, d.code.loinc, d.code.mdc, d.deviceTime ? isoFields(d.deviceTime) : null));
}

export interface Delivered {
  address: string;
  characteristic: string;
  bytes: Uint8Array;
  /** Wall-clock ms when the load source saw it delivered (within one period). */
  at: number;
}

/** How many PDUs each device had delivered at some instant. */
export type Mark = ReadonlyMap<string, number>;

export class LoadSource {
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;
  private readonly stamps = new Map<string, number[]>();

  constructor(private readonly devices: VirtualDevices) {
    for (const d of devices.devices) this.stamps.set(d.address, []);
  }

  /** Measures one device every `periodMs`, round-robin. */
  start(periodMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stamp();
  }

  tick(): void {
    const list = this.devices.devices;
    const d = list[this.turn++ % list.length];
    this.stamp();
    d?.measureNow();
    this.stamp();
  }

  /** Final readings taken but still in the devices' memory (no gateway subscribed). */
  backlog(): number {
    return this.devices.devices.reduce((n, d) => n + d.backlog, 0);
  }

  mark(): Mark {
    this.stamp();
    return new Map(this.devices.devices.map((d) => [d.address, d.sent.length]));
  }

  /** Final PDUs delivered between two marks. */
  finals(from: Mark, to: Mark): Delivered[] {
    const out: Delivered[] = [];
    for (const d of this.devices.devices) {
      const stamps = this.stamps.get(d.address) ?? [];
      for (let i = from.get(d.address) ?? 0; i < (to.get(d.address) ?? 0); i++) {
        const p = d.sent[i];
        if (p?.final) out.push({ address: d.address, characteristic: p.characteristic, bytes: p.bytes, at: stamps[i] ?? 0 });
      }
    }
    return out;
  }

  /**
   * Sends again the final PDUs delivered within [fromMs, toMs] (not logged as new readings).
   * Returns how many went out; a PDU whose characteristic nobody listens to is skipped.
   */
  redeliver(fromMs: number, toMs: number): number {
    this.stamp();
    let n = 0;
    for (const p of this.finals(new Map(), this.mark())) {
      if (p.at < fromMs || p.at > toMs) continue;
      if (this.devices.sim.peripheral(p.address)?.notify(p.characteristic, p.bytes)) n++;
    }
    return n;
  }

  private stamp(): void {
    const now = Date.now();
    for (const d of this.devices.devices) {
      const s = this.stamps.get(d.address);
      if (s) while (s.length < d.sent.length) s.push(now);
    }
  }
}
