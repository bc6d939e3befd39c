/**
 * One serial device: opens its port (by path, or found by USB serial number / VID:PID through
 * serialport's list()), sets the format's link settings, feeds the bytes to the format's stream
 * parser and emits decoded packets with their receive time. Hot-plug: when the port goes away
 * (unplug: 'close' with an error, read EIO, ENOENT on reopen) it keeps retrying with back-off and
 * picks up again when the device comes back — the gateway never restarts for a replug.
 */
import { EventEmitter } from 'node:events';
import { type BackoffPolicy, backoffDelay, systemTimers, type Timers } from '../ble/backoff.js';
import { type Clock, systemClock } from '../model/frame.js';
import type { StreamError, StreamParser } from './codecs/stream.js';
import { SERIAL_FORMATS, type SerialFormatName, type SerialPacket } from './formats.js';

/** The part of serialport's SerialPort the reader uses (injected in tests as the real thing over a pty). */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'close', fn: (err?: Error | null) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface PortSettings {
  path: string;
  baudRate: number;
  dataBits: 8;
  parity: 'none';
  stopBits: 1;
}

export type OpenPort = (s: PortSettings) => SerialPortLike;

/** A port as serialport's list() describes it (hex ids are lower-case strings without 0x). */
export interface PortInfo {
  path: string;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
  manufacturer?: string | undefined;
}
export type ListPorts = () => Promise<PortInfo[]>;

/** How to find the port: a stable path (/dev/serial/by-id/…, /dev/telecart/…) or a USB identity. */
export interface SerialLocator {
  path?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export type SerialReaderState = 'searching' | 'opening' | 'connected' | 'disconnected' | 'stopped';

export interface SerialStateEvent {
  deviceId: string;
  state: SerialReaderState;
  path?: string;
  /** Why the port is not (or no longer) open. */
  reason?: string;
}

export type SerialPacketEvent = SerialPacket & { deviceId: string; receivedAt: number; path: string };
export type SerialParseErrorEvent = StreamError & { deviceId: string; format: SerialFormatName };

export interface SerialReaderEvents {
  state: [SerialStateEvent];
  packet: [SerialPacketEvent];
  'parse-error': [SerialParseErrorEvent];
}

export interface SerialReaderOptions {
  deviceId: string;
  format: SerialFormatName;
  locator: SerialLocator;
  /** Default: the format's. */
  baudRate?: number;
  /** Default 250 ms doubling to 5 s: a replug is picked up within seconds, a missing device costs little. */
  backoff?: BackoffPolicy;
  timers?: Timers;
  clock?: Clock;
  openPort?: OpenPort;
  listPorts?: ListPorts;
}

export const DEFAULT_SERIAL_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5000, factor: 2 };

const norm = (s: string | undefined) => s?.toLowerCase().replace(/^0x/, '');

/** The port a locator designates among those listed; undefined when none (or the locator is a path). */
export function findPort(ports: readonly PortInfo[], l: SerialLocator): PortInfo | undefined {
  if (l.serialNumber === undefined && l.vendorId === undefined && l.productId === undefined) return undefined;
  return ports.find(
    (p) =>
      (l.serialNumber === undefined || p.serialNumber === l.serialNumber) &&
      (l.vendorId === undefined || norm(p.vendorId) === norm(l.vendorId)) &&
      (l.productId === undefined || norm(p.productId) === norm(l.productId)),
  );
}

/**
 * serialport's stream over its native binding; on Linux the binding that reports a hung-up port
 * (an unplugged USB adapter) as a disconnect instead of reading it forever (hangup-aware-binding.ts).
 */
export async function defaultOpenPortFactory(): Promise<{ open: OpenPort; list: ListPorts }> {
  const [{ SerialPortStream }, { autoDetect }, { HangupAwareLinuxBinding }] = await Promise.all([
    import('@serialport/stream'),
    import('@serialport/bindings-cpp'),
    import('./hangup-aware-binding.js'),
  ]);
  const binding = process.platform === 'linux' ? HangupAwareLinuxBinding : autoDetect();
  return {
    open: (s) => new SerialPortStream({ binding, ...s, autoOpen: false, rtscts: false }) as unknown as SerialPortLike,
    list: () => binding.list(),
  };
}

export class SerialDeviceReader extends EventEmitter<SerialReaderEvents> {
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private port: SerialPortLike | undefined;
  private parser: StreamParser<SerialPacket> | undefined;
  private timer: unknown;
  private attempt = 0;
  private stopped = true;
  private currentPath = '';
  private _state: SerialReaderState = 'stopped';
  private io: { open: OpenPort; list: ListPorts } | undefined;

  constructor(private readonly opts: SerialReaderOptions) {
    super();
    this.timers = opts.timers ?? systemTimers;
    this.clock = opts.clock ?? systemClock;
    this.backoff = opts.backoff ?? DEFAULT_SERIAL_BACKOFF;
    if (!opts.locator.path && !opts.locator.serialNumber && !opts.locator.vendorId) {
      throw new Error(`serial device ${opts.deviceId}: give a port path or a USB serial number / vendor id`);
    }
  }

  get state(): SerialReaderState {
    return this._state;
  }

  get deviceId(): string {
    return this.opts.deviceId;
  }

  /** The parser of the current connection (counters), undefined when closed. */
  get stats() {
    return this.parser?.stats;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const port = this.port;
    this.port = undefined;
    if (port) {
      port.removeAllListeners();
      port.on('error', () => undefined);
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    }
    this.finishParser();
    this.setState('stopped');
  }

  private setState(state: SerialReaderState, reason?: string): void {
    this._state = state;
    this.emit('state', {
      deviceId: this.opts.deviceId,
      state,
      ...(this.currentPath ? { path: this.currentPath } : {}),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  private async resolvePath(): Promise<string | undefined> {
    const l = this.opts.locator;
    if (l.path) return l.path;
    const io = await this.ioPorts();
    const list = this.opts.listPorts ?? io.list;
    const found = findPort(await list(), l);
    return found?.path;
  }

  private async ioPorts(): Promise<{ open: OpenPort; list: ListPorts }> {
    if (this.opts.openPort && this.opts.listPorts) return { open: this.opts.openPort, list: this.opts.listPorts };
    this.io ??= await defaultOpenPortFactory();
    return { open: this.opts.openPort ?? this.io.open, list: this.opts.listPorts ?? this.io.list };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let path: string | undefined;
    try {
      path = await this.resolvePath();
    } catch (e) {
      // No udevadm, no /dev/serial: listing failed; keep trying (udev may come up later).
      return this.retry('searching', `listing serial ports failed: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    if (!path) return this.retry('searching', 'no port matches the USB serial number / vendor:product');
    this.currentPath = path;
    this.setState('opening');
    const format = SERIAL_FORMATS[this.opts.format];
    let port: SerialPortLike;
    try {
      const io = await this.ioPorts();
      port = io.open({ path, baudRate: this.opts.baudRate ?? format.baudRate, dataBits: 8, parity: 'none', stopBits: 1 });
    } catch (e) {
      return this.retry('disconnected', (e as Error).message);
    }
    port.on('error', (err) => this.lost(port, err.message));
    port.on('close', (err) => this.lost(port, err ? err.message : 'port closed'));
    port.on('data', (chunk) => this.onData(port, chunk));
    port.open((err) => {
      if (err) {
        port.removeAllListeners();
        return this.retry('disconnected', err.message);
      }
      if (this.stopped) {
        port.close();
        return;
      }
      this.port = port;
      this.parser = format.createParser();
      this.attempt = 0;
      this.setState('connected');
    });
  }

  private onData(port: SerialPortLike, chunk: Buffer): void {
    if (port !== this.port || !this.parser) return;
    const receivedAt = this.clock.now();
    this.deliver(this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)), receivedAt);
  }

  private deliver(out: ReturnType<StreamParser<SerialPacket>['push']>, receivedAt: number): void {
    for (const e of out.errors) this.emit('parse-error', { ...e, deviceId: this.opts.deviceId, format: this.opts.format });
    for (const p of out.packets) this.emit('packet', { ...p, deviceId: this.opts.deviceId, receivedAt, path: this.currentPath });
  }

  private finishParser(): void {
    if (!this.parser) return;
    const out = this.parser.flush();
    this.parser = undefined;
    this.deliver(out, this.clock.now());
  }

  /** The port went away (unplug) or failed: drop it, emit what the parser can still place, retry. */
  private lost(port: SerialPortLike, reason: string): void {
    if (port !== this.port) return;
    this.port = undefined;
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (port.isOpen) port.close();
    this.finishParser();
    this.retry('disconnected', reason);
  }

  private retry(state: SerialReaderState, reason: string): void {
    if (this.stopped) return;
    this.setState(state, reason);
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }
}
