/**
 * Declarative device definitions (the Zigbee2MQTT / zigbee-herdsman-converters idea): one small
 * object per device model says how to recognise the device, what it can do (capabilities, built
 * from reusable pieces in ./capabilities.ts) and how it deviates from the standard (quirks).
 * Drivers and the gateway read definitions; they hold no per-model code.
 *
 * Adding a model is a few lines:
 *
 * ```ts
 * export const acmeCuff = defineDevice({
 *   id: 'acme-bp-100', vendor: 'Acme', model: 'BP-100', transport: 'ble',
 *   match: { ble: { services: ['1810'], namePattern: /^BP-100/ } },
 *   capabilities: [bloodPressure(), recordAccess({ filter: 'sequence' }), currentTime({ writable: true }), deviceInformation()],
 *   quirks: [{ kind: 'clock-resets', year: 2021 }],
 * });
 * ```
 *
 * Serial devices (devices/src/definitions/serial/) use `transport: 'serial'`, a `usb` match and a
 * `streamDecoder(...)` capability; audio devices (…/audio/) `transport: 'audio'` and an `audio` match.
 */
import type { Lane } from '@telecart/protocol';
import type { CodecResult } from '../codecs/result.js';
import type { ObservationDraft } from '../model/draft.js';
import type { StreamOptions, StreamReadings } from '../serial/readings.js';

/** The transports a definition can describe (same values as DeviceFrame.transport). */
export type DefinitionTransport = 'ble' | 'serial' | 'audio';

// ───────────────────────────── recognition ─────────────────────────────

/** BLE advertisement match. Every given field must match; at least one field must be given. */
export interface BleMatch {
  /** Service UUIDs ('1810' or full); the device must advertise at least one of them. */
  services?: string[];
  /** Regular expression on the advertised (or GAP) name. */
  namePattern?: RegExp;
  /** Manufacturer-specific data: Bluetooth SIG company id, optionally a payload prefix. */
  manufacturer?: { companyId: number; dataPrefix?: Uint8Array };
}

/** USB identity of a serial adapter (from udev / serialport's list()). */
export interface UsbMatch {
  /** USB vendor id, e.g. 0x0403 (FTDI). */
  vid: number;
  /** USB product id, e.g. 0x6001. */
  pid: number;
  /** Optional: the USB product string must match (several devices share one FTDI VID:PID). */
  productPattern?: RegExp;
}

/** Audio input match (USB audio class device name as ALSA / GStreamer reports it). */
export interface AudioMatch {
  namePattern: RegExp;
}

export interface DefinitionMatch {
  ble?: BleMatch;
  /** Any of these USB identities. */
  usb?: UsbMatch[];
  audio?: AudioMatch;
}

/** What a driver knows about a device when it has to pick a definition. */
export interface DeviceIdentity {
  transport: DefinitionTransport;
  /** Advertised or configured name. */
  name?: string;
  /** BLE: advertised service UUIDs (any form; compared as full lower-case UUIDs). */
  services?: string[];
  /** BLE: ManufacturerData, company id → payload. */
  manufacturerData?: Record<number, Uint8Array>;
  /** Serial: USB identity of the port's adapter when known. */
  usb?: { vid: number; pid: number; product?: string };
}

// ───────────────────────────── capabilities ─────────────────────────────

/** How one characteristic of a measurement profile is used. */
export interface CharacteristicUse {
  /** Short SIG UUID ('2A35') or full UUID. */
  uuid: string;
  /**
   * 'reading': final readings (stored); 'live': shown live only, never stored (ICP, PLX continuous);
   * 'context': joined to a reading by record number (glucose context); 'feature': read-only
   * description (not subscribed).
   */
  role: 'reading' | 'live' | 'context' | 'feature';
  /**
   * How this characteristic's bytes become drafts. Absent for the SIG characteristics: the codec table
   * (codecs/registry.ts) decodes them by UUID. A vendor characteristic brings its own decoder here.
   */
  decode?: (bytes: Uint8Array) => CodecResult<ObservationDraft[]>;
}

/** What a record joiner completed: each inner array is one record's drafts (stored together), plus what it dropped. */
export interface JoinOutput {
  records: ObservationDraft[][];
  /** Dropped input, for the log: one line each (e.g. a glucose context whose measurement never came). */
  skipped: { message: string; detail: Record<string, unknown> }[];
}

/**
 * Records that span several characteristics (glucose measurement + its context, joined by sequence
 * number). One joiner per device; the caller passes the time (its injected clock), ticks it (about
 * every second) and flushes it at the end of a download or at disconnect. Nothing is dropped silently.
 */
export interface RecordJoiner {
  /** Decodes one PDU of the joined characteristics (short UUID) and returns the records it completes. */
  take(characteristic: string, bytes: Uint8Array, now: number): CodecResult<JoinOutput>;
  /** Records that waited too long for their other part, released incomplete. */
  tick(now: number): JoinOutput;
  /** Releases whatever is held. */
  flush(): JoinOutput;
}

/** The SIG profiles the codecs understand. */
export type MeasurementProfile =
  | 'blood-pressure'
  | 'weight'
  | 'body-composition'
  | 'pulse-oximeter'
  | 'thermometer'
  | 'heart-rate'
  | 'glucose';

/** A measurement profile: which service, which characteristics to subscribe to, and options. */
export interface MeasurementCapability {
  kind: 'measurement';
  profile: MeasurementProfile;
  /** Short SIG service UUID ('1810'). */
  service: string;
  characteristics: CharacteristicUse[];
  /** Readings carry a user index that must be mapped to a patient (multi-user scales / cuffs). */
  multiUser?: boolean;
  /** Measurements announce a following context record that is joined to them (glucose). */
  context?: boolean;
  /**
   * The characteristics of a record that spans several PDUs (short UUIDs) and a factory of the
   * per-device joiner that assembles them; their frames go to the joiner, not to `decode`.
   */
  join?: { characteristics: string[]; create(): RecordJoiner };
}

/** Record Access Control Point: download of stored records on connect. */
export interface RecordAccessCapability {
  kind: 'record-access';
  /** RACP characteristic, '2A52' unless a vendor moved it. */
  uuid: string;
  /**
   * 'sequence': the device supports "≥ sequence number" (operator 0x03, filter 0x01): only records after
   * the gateway's cursor are asked for. 'all': only "all records" works; content keys drop the re-reads.
   */
  filter: 'sequence' | 'all';
  /** Ask "report number of stored records" first (logged, and skips the download when 0). Default true. */
  countFirst: boolean;
  /** How long to wait for the RACP response indication after a request. */
  responseTimeoutMs: number;
}

/**
 * What to do with a device clock that is off by more than `toleranceMs` from the gateway's time
 * (in the configured zone): 'write' it (when `writable`), else or also 'correct' readings by the
 * measured offset (recorded on the reading as time.correctionMs, source 'device-corrected').
 */
export interface DriftPolicy {
  toleranceMs: number;
  /** 'write-then-correct': write the clock when allowed; correct readings when the write is refused. 'correct-only': never write. */
  action: 'write-then-correct' | 'correct-only';
}

export interface CurrentTimeCapability {
  kind: 'current-time';
  /** '2A2B' (Current Time, CTS 0x1805) or '2A08' (Date Time in the profile's service, e.g. A&D). */
  uuid: string;
  /** Service the characteristic lives in ('1805' for CTS). */
  service: string;
  /** The definition allows the gateway to write the clock. */
  writable: boolean;
  driftPolicy: DriftPolicy;
}

/** Device Information Service (0x180A) strings read once per connection and put on every reading. */
export interface DeviceInformationCapability {
  kind: 'device-information';
}

/** BlueZ io capabilities (org.bluez.AgentManager1.RegisterAgent). */
export type IoCapability = 'DisplayOnly' | 'DisplayYesNo' | 'KeyboardOnly' | 'NoInputNoOutput' | 'KeyboardDisplay';

/** Pairing: 'required' pairs before any GATT access; 'optional' pairs only when an operation says it must. */
export interface BondingCapability {
  kind: 'bonding';
  mode: 'required' | 'optional';
}

/** Bytes → decoded items, for stream transports (serial packets, audio). Stateful, never throws. */
export interface StreamDecoder<Out = unknown> {
  /** Feeds a chunk as read from the port; returns every item completed by it (possibly none). */
  push(chunk: Uint8Array): Out[];
  /** Drops partial state (port reopened, resync). */
  reset?(): void;
}

/** Port settings for a serial stream. */
export interface SerialSettings {
  baudRate: number;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
}

/**
 * A stream transport's decoder (serial oximeter data format, ECG board packets, audio frames).
 * `id` names the format for logs/metrics ('nonin-df13', 'openeeg-p2').
 */
export interface StreamDecoderCapability<Out = unknown> {
  kind: 'stream-decoder';
  id: string;
  create(): StreamDecoder<Out>;
  serial?: SerialSettings;
  /** Lane for what it yields ('waveform' for ECG/pleth, 'spot' for spot checks). */
  lane: Lane;
  /**
   * What the decoded items become (readings, live values, waveform rows), for one device with its
   * configured options. The gateway's serial service runs it; it holds no per-format code.
   */
  readings?: (opts: StreamOptions) => StreamReadings<Out>;
  /** The device's channels are ECG leads chosen in the configuration (serial.devices[].leads). */
  leads?: boolean;
}

export type Capability =
  | MeasurementCapability
  | RecordAccessCapability
  | CurrentTimeCapability
  | DeviceInformationCapability
  | BondingCapability
  | StreamDecoderCapability;

export type CapabilityKind = Capability['kind'];

// ───────────────────────────── quirks ─────────────────────────────

/**
 * Known deviations from the standard, each handled in one place by the driver or the gateway:
 * - clock-resets: after a battery change the clock restarts at `year`-01-01; readings stamped with that
 *   year are treated as having no device time (receive time used, flagged 'device-clock-reset').
 * - refuses-time-write: the device answers a clock write with an ATT error although it has the write
 *   property; the gateway does not try and corrects readings by the offset instead.
 * - inverted-unit-flag: the device sets the units bit the wrong way round in `characteristic`'s flags
 *   byte (bit 0 for 2A35/2A9D/2A1C); the gateway flips it before decoding and flags 'unit-flag-corrected'.
 * - gatt-op-gap: the device drops an ATT request that comes too soon after the previous one; the
 *   per-device GATT queue waits `ms` between operations.
 * - racp-all-only: the device answers "≥ sequence" with "operator not supported"; the gateway falls
 *   back to "all records" (same effect as recordAccess({filter:'all'}), discovered at run time).
 */
export type Quirk =
  | { kind: 'clock-resets'; year: number }
  | { kind: 'refuses-time-write' }
  | { kind: 'inverted-unit-flag'; characteristic: string }
  | { kind: 'gatt-op-gap'; ms: number }
  | { kind: 'racp-all-only' };

export type QuirkKind = Quirk['kind'];

// ───────────────────────────── definition ─────────────────────────────

export interface DeviceDefinition {
  /** Stable id, kebab-case: 'and-ua-651ble'. Logged when picked; may be referenced in config. */
  id: string;
  vendor: string;
  model: string;
  description: string;
  transport: DefinitionTransport;
  match: DefinitionMatch;
  capabilities: Capability[];
  quirks: Quirk[];
  /**
   * A generic definition serves any device speaking its profile; it is picked only when no model
   * definition matches (e.g. 'generic-sig-ble').
   */
  generic?: boolean;
}

/** The input of defineDevice(): quirks optional. */
export type DeviceDefinitionInput = Omit<DeviceDefinition, 'quirks'> & { quirks?: Quirk[] };

/** Why a definition was picked, for the log line "device X uses definition Y (because …)". */
export interface DefinitionChoice {
  definition: DeviceDefinition;
  /** e.g. 'name ^UA-651 + service 1810', 'usb 0403:6001', 'generic: services 180d'. */
  reason: string;
  /** Higher is more specific; the highest wins (model beats generic). */
  score: number;
}
