/**
 * The life of one matched BLE device: connect, pair when its definition requires it (or when a GATT
 * operation says authentication is missing), read Device Information, subscribe, forward every
 * measurement notification as a DeviceFrame and control-point indications to the procedures
 * (RACP, Current Time) running on the BleDeviceLink; on any loss or failure, clean up and
 * reconnect with back-off.
 */
import type { DeviceDefinition } from '../definitions/types.js';
import type { Clock, DeviceFrame, DeviceInfo } from '../model/frame.js';
import { fullUuid, shortUuid } from '../model/frame.js';
import { type BackoffPolicy, backoffDelay, settleWithin, type Timers, withTimeout } from './backoff.js';
import { readDeviceInformation } from './device-information.js';
import { GattQueue } from './gatt-queue.js';
import { type NodeBleAdapter, type NodeBleCharacteristic, type NodeBleDevice, releaseListeners } from './node-ble-access.js';
import type { PairingAgent } from './pairing-agent.js';

export type BleDeviceState = 'discovered' | 'connecting' | 'pairing' | 'connected' | 'disconnected' | 'backoff';

export interface BleStateChange {
  deviceId: string;
  address: string;
  name?: string;
  state: BleDeviceState;
  /** Id of the definition serving the device, when definitions are used. */
  definition?: string;
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

/** What procedures (RACP download, clock setting) get for one connection. Invalid once the link is lost. */
export interface BleDeviceLink {
  readonly deviceId: string;
  readonly address: string;
  readonly name?: string;
  readonly definition?: DeviceDefinition;
  readonly info?: DeviceInfo;
  /** Aborted when this connection ends (link lost, stop). */
  readonly signal: AbortSignal;
  /** The device has this characteristic ('2A52' or full UUID). */
  has(uuid: string): boolean;
  read(uuid: string): Promise<Uint8Array>;
  /** Write Request (with response): what control points accept. */
  write(uuid: string, bytes: Uint8Array): Promise<void>;
  /** Indications/notifications of a subscribed control characteristic; returns the unsubscribe. */
  onNotification(uuid: string, listener: (bytes: Uint8Array) => void): () => void;
}

/** Per device: what to subscribe to and how, from its definition (or the legacy watch rules). */
export interface SessionPlan {
  /** Full UUIDs → role. 'control' values go to link listeners, the others become frames. */
  subscriptions: Map<string, 'reading' | 'live' | 'context' | 'control'>;
  definition?: DeviceDefinition;
  /** Definition's bonding: 'required' pairs before any GATT access. */
  bonding?: 'required' | 'optional';
  /** Minimum spacing between GATT operations (quirk). */
  gapMs?: number;
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
  /** The central's registered pairing agent, if any (resolved lazily: it registers asynchronously). */
  agent(): Promise<PairingAgent | undefined>;
  emitFrame(frame: DeviceFrame): void;
  emitState(change: BleStateChange): void;
  /** Called once per connection, when subscribed; procedures run on the link. */
  onConnected(link: BleDeviceLink): void;
}

/** Raised inside an attempt that a newer event (disconnect, stop) has superseded. */
class Superseded extends Error {}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** BlueZ's answers when a peer wants an encrypted/authenticated link first. */
export function isAuthenticationError(e: unknown): boolean {
  const type = typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined;
  if (type === 'org.bluez.Error.NotPermitted' || type === 'org.bluez.Error.NotAuthorized') return true;
  return /insufficient (authentication|encryption)|ATT error: 0x0[5f]/i.test(errorText(e));
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
  /** Full UUIDs of the characteristics the connected device has. */
  private present = new Set<string>();
  private readonly queue: GattQueue;
  private readonly controlListeners = new Map<string, Set<(bytes: Uint8Array) => void>>();
  private linkAbort: AbortController | undefined;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    readonly address: string,
    readonly name: string | undefined,
    private readonly plan: SessionPlan,
    private readonly env: DeviceSessionEnv,
  ) {
    this.deviceId = `ble:${address}`;
    const gapMs = plan.gapMs;
    this.queue = new GattQueue(gapMs ? { gapMs, sleep: (ms) => new Promise<void>((r) => void env.timers.setTimeout(r, ms)) } : {});
  }

  get currentState(): BleDeviceState {
    return this.state;
  }

  get definitionId(): string | undefined {
    return this.plan.definition?.id;
  }

  start(): void {
    this.setState('discovered');
    this.current = this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.linkAbort?.abort();
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
      ...(this.plan.definition ? { definition: this.plan.definition.id } : {}),
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

  /** Device1.Pair() through the agent (which only accepts pairings we announce); no-op when bonded. */
  private async ensurePaired(device: NodeBleDevice, gen: number, why: string): Promise<void> {
    if (await this.op('is paired', () => device.isPaired())) return;
    this.check(gen);
    const agent = await this.env.agent();
    this.setState('pairing', { reason: why });
    this.env.logger.info?.('BLE pairing', { deviceId: this.deviceId, why, agent: agent?.isRegistered === true });
    const done = agent?.expect(this.address);
    try {
      await this.gattOp('pair', () => device.pair());
    } finally {
      done?.();
    }
    this.check(gen);
    this.env.logger.info?.('BLE device paired', { deviceId: this.deviceId });
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
      if (this.plan.bonding === 'required') await this.ensurePaired(device, gen, 'definition requires bonding');
      const gatt = await this.gattOp('resolve services', () => device.gatt());
      this.check(gen);
      this.info = await readDeviceInformation(
        gatt,
        (what, fn) => this.gattOp(what, fn),
        (field, e) => this.env.logger.warn('BLE Device Information read failed', { deviceId: this.deviceId, field, error: errorText(e) }),
      );
      this.check(gen);
      this.gatt = gatt;
      const { subscribed, refused } = await this.subscribeAll(gatt, gen);
      this.check(gen);
      if (refused.length > 0) {
        // The peer wants an authenticated link first: pair, then subscribe to what was refused.
        await this.ensurePaired(device, gen, `StartNotify refused: ${refused.map((c) => shortUuid(c.uuid)).join(',')}`);
        for (const c of refused) {
          await this.gattOp(`StartNotify ${shortUuid(c.uuid)}`, () => c.char.startNotifications());
          subscribed.push(shortUuid(c.uuid));
        }
        this.check(gen);
      }
      this.attempt = 0;
      this.linkAbort = new AbortController();
      this.setState('connected');
      this.env.logger.info?.('BLE device connected', { deviceId: this.deviceId, definition: this.plan.definition?.id, subscribed });
      this.env.onConnected(this.link(device, gen, this.linkAbort.signal));
    } catch (e) {
      if (e instanceof Superseded || gen !== this.generation || this.stopped) return;
      this.env.logger.warn('BLE connect attempt failed', { deviceId: this.deviceId, error: errorText(e) });
      // Our own disconnect below must not count as a second, separate link loss.
      this.generation++;
      await this.dropLink();
      this.scheduleReconnect(errorText(e));
    }
  }

  private dispatch(gen: number, uuid: string, role: string, svc: string, buffer: Buffer): void {
    if (gen !== this.generation) return;
    const bytes = Uint8Array.from(buffer);
    if (role === 'control') {
      for (const l of this.controlListeners.get(uuid) ?? []) {
        try {
          l(bytes);
        } catch (e) {
          this.env.logger.warn('BLE control listener threw', { deviceId: this.deviceId, error: errorText(e) });
        }
      }
      return;
    }
    this.env.emitFrame({
      deviceId: this.deviceId,
      transport: 'ble',
      ...(this.name !== undefined ? { name: this.name } : {}),
      characteristic: shortUuid(uuid),
      service: svc,
      bytes,
      receivedAt: this.env.clock.now(),
      ...(this.info ? { info: this.info } : {}),
    });
  }

  private async subscribeAll(
    gatt: Awaited<ReturnType<NodeBleDevice['gatt']>>,
    gen: number,
  ): Promise<{ subscribed: string[]; refused: { uuid: string; char: NodeBleCharacteristic }[] }> {
    const subscribed: string[] = [];
    const refused: { uuid: string; char: NodeBleCharacteristic }[] = [];
    this.present = new Set();
    for (const serviceUuid of await gatt.services()) {
      const service = await gatt.getPrimaryService(serviceUuid);
      for (const charUuid of await service.characteristics()) {
        this.present.add(charUuid);
        const role = this.plan.subscriptions.get(charUuid);
        if (!role) continue;
        const c = await service.getCharacteristic(charUuid);
        this.check(gen);
        this.chars.push(c);
        const characteristic = shortUuid(charUuid);
        const svc = shortUuid(serviceUuid);
        c.on('valuechanged', (buffer: Buffer) => this.dispatch(gen, charUuid, role, svc, buffer));
        try {
          await this.gattOp(`StartNotify ${characteristic}`, () => c.startNotifications());
          subscribed.push(characteristic);
        } catch (e) {
          if (isAuthenticationError(e)) refused.push({ uuid: charUuid, char: c });
          // One characteristic refusing notifications must not cut the others off.
          else this.env.logger.warn('BLE StartNotify failed', { deviceId: this.deviceId, characteristic, error: errorText(e) });
        }
      }
    }
    return { subscribed, refused };
  }

  private link(device: NodeBleDevice, gen: number, signal: AbortSignal): BleDeviceLink {
    const alive = () => {
      if (gen !== this.generation || this.stopped) throw new Error(`${this.deviceId}: link lost`);
    };
    /** One retry after pairing when the peer says authentication is missing. */
    const withAuth = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      alive();
      try {
        return await fn();
      } catch (e) {
        if (!isAuthenticationError(e)) throw e;
        await this.ensurePaired(device, gen, `${what} refused`);
        if (this.state === 'pairing') this.setState('connected');
        return fn();
      }
    };
    return {
      deviceId: this.deviceId,
      address: this.address,
      ...(this.name !== undefined ? { name: this.name } : {}),
      ...(this.plan.definition ? { definition: this.plan.definition } : {}),
      ...(this.info ? { info: this.info } : {}),
      signal,
      has: (uuid) => this.present.has(fullUuid(uuid)),
      read: (uuid) => withAuth(`read ${uuid}`, () => this.read(uuid)),
      write: (uuid, bytes) => withAuth(`write ${uuid}`, () => this.write(uuid, bytes)),
      onNotification: (uuid, listener) => {
        const key = fullUuid(uuid);
        const set = this.controlListeners.get(key) ?? new Set<(bytes: Uint8Array) => void>();
        this.controlListeners.set(key, set);
        set.add(listener);
        return () => set.delete(listener);
      },
    };
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
    if ((this.state !== 'connected' && this.state !== 'pairing') || !gatt) throw new Error(`${this.deviceId} is not connected`);
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
    this.linkAbort?.abort();
    this.linkAbort = undefined;
    this.controlListeners.clear();
    this.gatt = undefined;
    for (const c of this.chars) releaseListeners(c);
    this.chars = [];
    this.info = undefined;
    this.present = new Set();
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
