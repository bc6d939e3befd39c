/**
 * The life of one matched BLE device: connect, read Device Information, subscribe, forward every
 * notification as a DeviceFrame; on any loss or failure, clean up and reconnect with back-off.
 */
import type { Clock, DeviceFrame, DeviceInfo } from '../model/frame.js';
import { fullUuid, shortUuid } from '../model/frame.js';
import { type BackoffPolicy, backoffDelay, settleWithin, type Timers, withTimeout } from './backoff.js';
import { readDeviceInformation } from './device-information.js';
import { GattQueue } from './gatt-queue.js';
import { type NodeBleAdapter, type NodeBleCharacteristic, type NodeBleDevice, releaseListeners } from './node-ble-access.js';

export type BleDeviceState = 'discovered' | 'connecting' | 'connected' | 'disconnected' | 'backoff';

export interface BleStateChange {
  deviceId: string;
  address: string;
  name?: string;
  state: BleDeviceState;
  /** For 'backoff': the reconnect attempt number (1-based) and its delay. */
  attempt?: number;
  delayMs?: number;
  /** Why the link was lost or the attempt failed. */
  reason?: string;
}

export interface BleLogger {
  debug?(message: string, context?: Record<string, unknown>): void;
  info?(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

export interface DeviceSessionEnv {
  adapter(): NodeBleAdapter | undefined;
  clock: Clock;
  timers: Timers;
  logger: BleLogger;
  backoff: BackoffPolicy;
  operationTimeoutMs: number;
  /** Bound for each step of stop(): a dead bus must not make shutdown hang. */
  stopTimeoutMs: number;
  emitFrame(frame: DeviceFrame): void;
  emitState(change: BleStateChange): void;
}

/** Raised inside an attempt that a newer event (disconnect, stop) has superseded. */
class Superseded extends Error {}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class DeviceSession {
  readonly deviceId: string;
  private state: BleDeviceState = 'discovered';
  private generation = 0;
  private attempt = 0;
  private timer: unknown;
  private device: NodeBleDevice | undefined;
  private chars: NodeBleCharacteristic[] = [];
  private info: DeviceInfo | undefined;
  private gatt: Awaited<ReturnType<NodeBleDevice['gatt']>> | undefined;
  private readonly queue = new GattQueue();
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    readonly address: string,
    readonly name: string | undefined,
    /** Full UUIDs of the characteristics to subscribe to. */
    private readonly subscriptions: Set<string>,
    private readonly env: DeviceSessionEnv,
  ) {
    this.deviceId = `ble:${address}`;
  }

  get currentState(): BleDeviceState {
    return this.state;
  }

  start(): void {
    this.setState('discovered');
    this.current = this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.timer !== undefined) this.env.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const bound = this.env.stopTimeoutMs;
    await settleWithin(this.current, bound, this.env.timers);
    await settleWithin(this.queue.idle(), bound, this.env.timers);
    const device = this.device;
    this.device = undefined;
    this.releaseAll();
    if (device) {
      try {
        const within = <T>(what: string, p: () => Promise<T>) => withTimeout(p(), bound, `${this.deviceId} ${what}`, this.env.timers);
        if (await within('is connected', () => device.isConnected())) await within('disconnect', () => device.disconnect());
      } catch (e) {
        this.env.logger.debug?.('BLE disconnect on stop failed', { deviceId: this.deviceId, error: errorText(e) });
      }
      releaseListeners(device);
    }
  }

  private setState(state: BleDeviceState, extra: Partial<BleStateChange> = {}): void {
    this.state = state;
    this.env.emitState({
      deviceId: this.deviceId,
      address: this.address,
      ...(this.name !== undefined ? { name: this.name } : {}),
      state,
      ...extra,
    });
  }

  private op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withTimeout(fn(), this.env.operationTimeoutMs, `${this.deviceId} ${what}`, this.env.timers);
  }

  /** A GATT operation: serialized with the others on this device, and bounded in time. */
  private gattOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(() => this.op(what, fn));
  }

  private check(gen: number): void {
    if (gen !== this.generation || this.stopped) throw new Superseded();
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.setState('connecting');
    try {
      const adapter = this.env.adapter();
      if (!adapter) throw new Error('no Bluetooth adapter');
      const device = await this.op('find device', () => adapter.getDevice(this.address));
      this.check(gen);
      this.device = device;
      device.on('disconnect', () => this.onLinkLost(gen, 'disconnected'));
      await this.gattOp('connect', () => device.connect());
      this.check(gen);
      const gatt = await this.gattOp('resolve services', () => device.gatt());
      this.check(gen);
      this.info = await readDeviceInformation(
        gatt,
        (what, fn) => this.gattOp(what, fn),
        (field, e) => this.env.logger.warn('BLE Device Information read failed', { deviceId: this.deviceId, field, error: errorText(e) }),
      );
      this.check(gen);
      const subscribed = await this.subscribeAll(gatt, gen);
      this.check(gen);
      this.gatt = gatt;
      this.attempt = 0;
      this.setState('connected');
      this.env.logger.info?.('BLE device connected', { deviceId: this.deviceId, subscribed });
    } catch (e) {
      if (e instanceof Superseded || gen !== this.generation || this.stopped) return;
      this.env.logger.warn('BLE connect attempt failed', { deviceId: this.deviceId, error: errorText(e) });
      await this.dropLink();
      this.scheduleReconnect(errorText(e));
    }
  }

  private async subscribeAll(gatt: Awaited<ReturnType<NodeBleDevice['gatt']>>, gen: number): Promise<string[]> {
    const subscribed: string[] = [];
    for (const serviceUuid of await gatt.services()) {
      const service = await gatt.getPrimaryService(serviceUuid);
      for (const charUuid of await service.characteristics()) {
        if (!this.subscriptions.has(charUuid)) continue;
        const c = await service.getCharacteristic(charUuid);
        this.check(gen);
        this.chars.push(c);
        const characteristic = shortUuid(charUuid);
        const svc = shortUuid(serviceUuid);
        c.on('valuechanged', (buffer: Buffer) => {
          if (gen !== this.generation) return;
          this.env.emitFrame({
            deviceId: this.deviceId,
            transport: 'ble',
            ...(this.name !== undefined ? { name: this.name } : {}),
            characteristic,
            service: svc,
            bytes: Uint8Array.from(buffer),
            receivedAt: this.env.clock.now(),
            ...(this.info ? { info: this.info } : {}),
          });
        });
        try {
          await this.gattOp(`StartNotify ${characteristic}`, () => c.startNotifications());
          subscribed.push(characteristic);
        } catch (e) {
          // One characteristic refusing notifications must not cut the others off.
          this.env.logger.warn('BLE StartNotify failed', { deviceId: this.deviceId, characteristic, error: errorText(e) });
        }
      }
    }
    return subscribed;
  }

  /** The central saw the link go (e.g. the device object was removed); ignored unless connected. */
  linkLost(reason: string): void {
    if (this.state === 'connected') this.onLinkLost(this.generation, reason);
  }

  private onLinkLost(gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation++;
    this.setState('disconnected', { reason });
    this.releaseAll();
    if (this.device) releaseListeners(this.device);
    this.device = undefined;
    this.scheduleReconnect(reason);
  }

  /** After a failed attempt: best-effort disconnect so BlueZ does not keep a half-open link. */
  private async dropLink(): Promise<void> {
    const device = this.device;
    this.releaseAll();
    this.device = undefined;
    if (!device) return;
    try {
      if (await this.op('is connected', () => device.isConnected())) await this.op('disconnect', () => device.disconnect());
    } catch (e) {
      this.env.logger.debug?.('BLE disconnect after failure failed', { deviceId: this.deviceId, error: errorText(e) });
    }
    releaseListeners(device);
  }

  private async characteristic(uuid: string): Promise<NodeBleCharacteristic> {
    const gatt = this.gatt;
    if (this.state !== 'connected' || !gatt) throw new Error(`${this.deviceId} is not connected`);
    const full = fullUuid(uuid);
    for (const serviceUuid of await gatt.services()) {
      const service = await gatt.getPrimaryService(serviceUuid);
      if ((await service.characteristics()).includes(full)) return service.getCharacteristic(full);
    }
    throw new Error(`${this.deviceId} has no characteristic ${shortUuid(full)}`);
  }

  /** Write Request (with response): what control points (RACP, Current Time, UDS) accept. */
  async write(uuid: string, bytes: Uint8Array): Promise<void> {
    const c = await this.characteristic(uuid);
    await this.gattOp(`write ${shortUuid(fullUuid(uuid))}`, () => c.writeValueWithResponse(Buffer.from(bytes)));
  }

  async read(uuid: string): Promise<Uint8Array> {
    const c = await this.characteristic(uuid);
    return Uint8Array.from(await this.gattOp(`read ${shortUuid(fullUuid(uuid))}`, () => c.readValue()));
  }

  private releaseAll(): void {
    this.gatt = undefined;
    for (const c of this.chars) releaseListeners(c);
    this.chars = [];
    this.info = undefined;
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const delayMs = backoffDelay(this.attempt, this.env.backoff);
    this.attempt++;
    this.setState('backoff', { attempt: this.attempt, delayMs, reason });
    this.timer = this.env.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.current = this.connect();
    }, delayMs);
  }
}
