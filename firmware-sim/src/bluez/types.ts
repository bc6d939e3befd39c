/** Declarative description of a simulated BLE peripheral served by the BlueZ look-alike. */

export type GattFlag =
  | 'broadcast'
  | 'read'
  | 'write-without-response'
  | 'write'
  | 'notify'
  | 'indicate'
  | 'authenticated-signed-writes'
  | 'extended-properties'
  | 'reliable-write'
  | 'writable-auxiliaries'
  | 'encrypt-read'
  | 'encrypt-write'
  | 'encrypt-authenticated-read'
  | 'encrypt-authenticated-write'
  | 'authorize';

/** 'command' = Write Command, 'request' = Write Request, 'reliable' = Prepare + Execute Write. */
export type WriteType = 'command' | 'request' | 'reliable';

/** Thrown by read/write handlers to answer with an ATT error (org.bluez.Error.Failed with the code). */
export class AttError extends Error {
  constructor(
    readonly code: number,
    message?: string,
  ) {
    super(message ?? `ATT error 0x${code.toString(16).padStart(2, '0')}`);
    this.name = 'AttError';
  }
}

export interface SimCharacteristic {
  /** 16-bit short form ('2A35') or full 128-bit UUID. */
  uuid: string;
  flags: GattFlag[];
  /** Answers ReadValue; the whole value (the look-alike applies the offset). Static `value` when omitted. */
  read?: () => Uint8Array | Promise<Uint8Array>;
  /** Handles WriteValue after the look-alike checked the flags for the write type. */
  write?: (value: Uint8Array, options: { type: WriteType; offset: number }) => void | Promise<void>;
  /** Initial cached value and the read answer when there is no `read` handler. */
  value?: Uint8Array;
}

export interface SimService {
  uuid: string;
  characteristics: SimCharacteristic[];
}

/** What the look-alike gives a peripheral to act on its link. */
export interface PeripheralLink {
  readonly address: string;
  readonly connected: boolean;
  /** True while connected and a central has StartNotify'd this characteristic. */
  isSubscribed(charUuid: string): boolean;
  /**
   * Sends one notification/indication PDU (one PropertiesChanged per call, even for identical
   * bytes). Returns false, sending nothing, unless connected and subscribed.
   */
  notify(charUuid: string, bytes: Uint8Array): boolean;
  /** Peripheral-initiated disconnect (e.g. the cuff powers off after sending). */
  disconnect(): void;
}

/** BlueZ io capabilities (AgentManager1.RegisterAgent), also the peripheral's own in pairing. */
export type SimIoCapability = 'DisplayOnly' | 'DisplayYesNo' | 'KeyboardOnly' | 'NoInputNoOutput' | 'KeyboardDisplay';

/**
 * The peripheral's security: with `bonding: 'required'` every characteristic outside GAP, GATT and
 * Device Information refuses access (org.bluez.Error.NotPermitted "Insufficient Authentication")
 * until Device1.Pair() succeeded; pairing asks the default agent as the io capabilities require.
 */
export interface SimSecurity {
  bonding: 'required' | 'optional';
  /** The device's io capability: 'DisplayOnly' shows `passkey` (the agent must type it: RequestPasskey),
   * 'DisplayYesNo' → RequestConfirmation(passkey), 'NoInputNoOutput' → RequestAuthorization (Just Works). */
  io: SimIoCapability;
  /** 0..999999; default 123456. */
  passkey?: number;
}

/** GATT timing: how long each operation takes, and whether overlapping ones collide (InProgress). */
export interface SimGattTiming {
  latencyMs?: number;
  /** A second operation while one is in flight fails with org.bluez.Error.InProgress (cheap firmware). */
  rejectConcurrent?: boolean;
}

export interface SimPeripheral {
  security?: SimSecurity;
  gattTiming?: SimGattTiming;
  /** 'AA:BB:CC:DD:EE:FF' (any case). */
  address: string;
  addressType?: 'public' | 'random';
  name?: string;
  /** Service UUIDs in the advertisement (short or full). */
  advertisedServices: string[];
  rssi?: number;
  txPower?: number;
  appearance?: number;
  /** Company id → payload (BlueZ ManufacturerData a{qv}). */
  manufacturerData?: Record<number, Uint8Array>;
  /** Service UUID → payload (BlueZ ServiceData a{sv}). */
  serviceData?: Record<string, Uint8Array>;
  services: SimService[];
  onConnect?(link: PeripheralLink): void;
  onDisconnect?(link: PeripheralLink): void;
  onSubscriptionChange?(link: PeripheralLink, charUuid: string, subscribed: boolean): void;
}

export interface BluezSimLogger {
  debug?(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}
