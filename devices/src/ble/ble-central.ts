/**
 * The BLE driver: a central on BlueZ (through node-ble) that keeps scanning, connects to every
 * device matching the watch rules, and emits raw notification bytes as DeviceFrames. It decodes
 * nothing; codecs do that later. D-Bus failures are logged and retried, never thrown at the caller.
 */
import { EventEmitter } from 'node:events';
import { type Clock, type DeviceFrame, systemClock } from '../model/frame.js';
import { type BackoffPolicy, defaultBackoff, settleWithin, systemTimers, type Timers, withTimeout } from './backoff.js';
import { type BleDeviceState, type BleLogger, type BleStateChange, DeviceSession } from './device-session.js';
import { advertisedUuids, deviceName, type NodeBleAdapter, type NodeBleSession, openNodeBle, releaseListeners } from './node-ble-access.js';
import { type BleWatchRule, subscriptionsFor } from './watch-rules.js';

export interface BleCentralOptions {
  rules: BleWatchRule[];
  /** D-Bus address of the bus BlueZ is on; default: DBUS_SYSTEM_BUS_ADDRESS or the system bus. */
  busAddress?: string;
  /** Adapter name ('hci0'); default: BlueZ's first adapter. */
  adapter?: string;
  clock?: Clock;
  timers?: Timers;
  logger?: BleLogger;
  /** How often the device list is polled (node-ble has no discovery events). Default 1000 ms. */
  scanIntervalMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Upper bound for any single D-Bus operation. Default 15 s. */
  operationTimeoutMs?: number;
  /** Bound for each shutdown step (a dead bus never answers). Default 2 s. */
  stopTimeoutMs?: number;
  /** A device that matched no rule is probed again after this long (its UUIDs may come later). Default 30 s. */
  reprobeMs?: number;
}

export interface BleDeviceStatus {
  deviceId: string;
  address: string;
  name?: string;
  state: BleDeviceState;
}

export interface BleCentralEvents {
  frame: [DeviceFrame];
  state: [BleStateChange];
}

const quietLogger: BleLogger = { warn: () => undefined };

export class BleCentral extends EventEmitter<BleCentralEvents> {
  private readonly rules: BleWatchRule[];
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: BleLogger;
  private readonly backoff: BackoffPolicy;
  private readonly scanIntervalMs: number;
  private readonly operationTimeoutMs: number;
  private session: NodeBleSession | undefined;
  private adapter: NodeBleAdapter | undefined;
  private readonly sessions = new Map<string, DeviceSession>();
  /** Seen, not matching: address → when to probe it again. */
  private readonly ignored = new Map<string, number>();
  private startedDiscovery = false;
  private scanTimer: unknown;
  private scanning: Promise<void> = Promise.resolve();
  private running = false;

  constructor(private readonly opts: BleCentralOptions) {
    super();
    this.rules = opts.rules;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger ?? quietLogger;
    this.backoff = { ...defaultBackoff, ...opts.backoff };
    this.scanIntervalMs = opts.scanIntervalMs ?? 1000;
    this.operationTimeoutMs = opts.operationTimeoutMs ?? 15_000;
  }

  /** Starts scanning. Returns at once; problems (no BlueZ, no adapter) are logged and retried. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.session = openNodeBle(this.opts.busAddress, (e) =>
      this.logger.warn('BLE D-Bus connection error', { error: e instanceof Error ? e.message : String(e) }),
    );
    this.scanning = this.scan();
  }

  devices(): BleDeviceStatus[] {
    return [...this.sessions.values()].map((s) => ({
      deviceId: s.deviceId,
      address: s.address,
      ...(s.name !== undefined ? { name: s.name } : {}),
      state: s.currentState,
    }));
  }

  /** Writes with response (never node-ble's default reliable write) on a connected device; rejects otherwise. */
  async write(address: string, characteristic: string, bytes: Uint8Array): Promise<void> {
    return this.sessionOf(address).write(characteristic, bytes);
  }

  /** Reads a characteristic of a connected device, queued with its other GATT operations. */
  async read(address: string, characteristic: string): Promise<Uint8Array> {
    return this.sessionOf(address).read(characteristic);
  }

  private sessionOf(address: string): DeviceSession {
    const s = this.sessions.get(address.toUpperCase());
    if (!s) throw new Error(`unknown BLE device ${address}`);
    return s;
  }

  /** Disconnects every device, stops the discovery it started, and closes its D-Bus connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.scanTimer !== undefined) this.timers.clearTimeout(this.scanTimer);
    this.scanTimer = undefined;
    const bound = this.opts.stopTimeoutMs ?? 2000;
    await settleWithin(this.scanning, bound, this.timers);
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
    this.sessions.clear();
    this.ignored.clear();
    const adapter = this.adapter;
    if (adapter && this.startedDiscovery) {
      try {
        await withTimeout(adapter.stopDiscovery(), bound, 'stop discovery', this.timers);
      } catch (e) {
        this.logger.debug?.('BLE stop discovery failed', { error: String(e) });
      }
    }
    this.startedDiscovery = false;
    this.adapter = undefined;
    this.session?.destroy();
    this.session = undefined;
    this.removeAllListeners();
  }

  /** A throwing listener must not unwind into node-ble's D-Bus signal dispatch. */
  private safeEmit<K extends keyof BleCentralEvents>(event: K, ...args: BleCentralEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: BleCentralEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.logger.warn('BLE central listener threw', { event, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withTimeout(fn(), this.operationTimeoutMs, what, this.timers);
  }

  private async scan(): Promise<void> {
    try {
      await this.scanOnce();
    } catch (e) {
      this.logger.warn('BLE scan failed', { error: e instanceof Error ? e.message : String(e) });
      this.adapter = undefined; // find it again: BlueZ may have restarted
    }
    if (!this.running) return;
    this.scanTimer = this.timers.setTimeout(() => {
      this.scanTimer = undefined;
      if (this.running) this.scanning = this.scan();
    }, this.scanIntervalMs);
  }

  private async scanOnce(): Promise<void> {
    const bluetooth = this.session?.bluetooth;
    if (!bluetooth) return;
    if (!this.adapter) {
      const name = this.opts.adapter;
      this.adapter = await this.op('find adapter', () => (name ? bluetooth.getAdapter(name) : bluetooth.defaultAdapter()));
    }
    const adapter = this.adapter;
    // Someone else's discovery may end at any time: make sure ours is running.
    if (!(await this.op('is discovering', () => adapter.isDiscovering()))) {
      await this.op('start discovery', () => adapter.startDiscovery());
      this.startedDiscovery = true;
    }
    const listed = new Set((await this.op('list devices', () => adapter.devices())).map((a) => a.toUpperCase()));
    const now = this.clock.now();
    for (const [a, until] of this.ignored) if (!listed.has(a) || until <= now) this.ignored.delete(a);
    // A connected device whose object vanished lost its link even if no Connected=false arrived.
    for (const [address, session] of this.sessions) {
      if (!listed.has(address)) session.linkLost('device object removed');
    }
    for (const address of listed) {
      if (!this.running) return;
      if (this.sessions.has(address) || this.ignored.has(address)) continue;
      await this.consider(adapter, address);
    }
  }

  private async consider(adapter: NodeBleAdapter, address: string): Promise<void> {
    let device: Awaited<ReturnType<NodeBleAdapter['getDevice']>>;
    try {
      device = await this.op('find device', () => adapter.getDevice(address));
    } catch (e) {
      this.logger.debug?.('BLE device vanished before probing', { address, error: String(e) });
      return;
    }
    try {
      const name = await deviceName(device);
      const uuids = await advertisedUuids(device);
      const subscriptions = subscriptionsFor(this.rules, { ...(name !== undefined ? { name } : {}), uuids });
      if (!subscriptions) {
        this.ignored.set(address, this.clock.now() + (this.opts.reprobeMs ?? 30_000));
        return;
      }
      const session = new DeviceSession(address, name, subscriptions, {
        adapter: () => this.adapter,
        clock: this.clock,
        timers: this.timers,
        logger: this.logger,
        backoff: this.backoff,
        operationTimeoutMs: this.operationTimeoutMs,
        stopTimeoutMs: this.opts.stopTimeoutMs ?? 2000,
        emitFrame: (f) => this.safeEmit('frame', f),
        emitState: (s) => this.safeEmit('state', s),
      });
      this.sessions.set(address, session);
      session.start();
    } finally {
      releaseListeners(device); // the probe object only; the session opens its own
    }
  }
}
