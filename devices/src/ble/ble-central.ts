/**
 * The BLE driver: a central on BlueZ (through node-ble) that keeps scanning, connects to every
 * device matching the watch rules, and emits raw notification bytes as DeviceFrames. It decodes
 * nothing; codecs do that later. D-Bus failures are logged and retried, never thrown at the caller.
 */
import { EventEmitter } from 'node:events';
import { bleSubscriptions, bondingOf, quirkOf } from '../definitions/define.js';
import { matchDefinition } from '../definitions/match.js';
import type { DefinitionChoice, DeviceDefinition, DeviceIdentity } from '../definitions/types.js';
import { type Clock, type DeviceFrame, systemClock } from '../model/frame.js';
import { type BackoffPolicy, defaultBackoff, settleWithin, systemTimers, type Timers, withTimeout } from './backoff.js';
import {
  type BleDeviceLink,
  type BleDeviceState,
  type BleLogger,
  type BleStateChange,
  DeviceSession,
  type SessionPlan,
} from './device-session.js';
import {
  advertisedUuids,
  busOf,
  deviceName,
  manufacturerData,
  type NodeBleAdapter,
  type NodeBleSession,
  openNodeBle,
  releaseListeners,
} from './node-ble-access.js';
import { PairingAgent, type PairingAgentOptions } from './pairing-agent.js';
import { type BleWatchRule, subscriptionsFor } from './watch-rules.js';

export interface BleCentralOptions {
  /** Legacy/custom watch rules: used for devices no definition fits. */
  rules: BleWatchRule[];
  /** Device definitions: the best match picks what to subscribe to, bonding and GATT spacing. */
  definitions?: readonly DeviceDefinition[];
  /** Registers an org.bluez.Agent1 on start (capability, passkeys); without it Pair() relies on another agent. */
  pairing?: PairingAgentOptions;
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

/** Set by the gateway before start(): who picks definitions, and what runs on each connection. */
export interface BleCentralHooks {
  /** Picks (and logs) the definition of a device; default: the best of `definitions`. */
  identify?(deviceId: string, identity: DeviceIdentity): DefinitionChoice | undefined;
  /** Runs the procedures (RACP download, clock) on a fresh connection; must not throw. */
  onConnected?(link: BleDeviceLink): void;
}

export interface BleDeviceStatus {
  deviceId: string;
  address: string;
  name?: string;
  state: BleDeviceState;
  definition?: string;
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
  private definitions: readonly DeviceDefinition[];
  private pairingOptions: PairingAgentOptions | undefined;
  private hooks: BleCentralHooks = {};
  private agentReady: Promise<PairingAgent | undefined> = Promise.resolve(undefined);
  private agent: PairingAgent | undefined;

  constructor(private readonly opts: BleCentralOptions) {
    super();
    this.rules = opts.rules;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger ?? quietLogger;
    this.backoff = { ...defaultBackoff, ...opts.backoff };
    this.scanIntervalMs = opts.scanIntervalMs ?? 1000;
    this.operationTimeoutMs = opts.operationTimeoutMs ?? 15_000;
    this.definitions = opts.definitions ?? [];
    this.pairingOptions = opts.pairing;
  }

  /**
   * Configures definitions, the pairing agent and the per-connection hooks; call before start()
   * (the gateway does this for a central it was given).
   */
  use(config: { definitions?: readonly DeviceDefinition[]; pairing?: PairingAgentOptions | null; hooks?: BleCentralHooks }): void {
    if (config.definitions) this.definitions = config.definitions;
    if (config.pairing !== undefined) this.pairingOptions = config.pairing ?? undefined;
    if (config.hooks) this.hooks = { ...this.hooks, ...config.hooks };
  }

  /** Starts scanning. Returns at once; problems (no BlueZ, no adapter) are logged and retried. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.session = openNodeBle(this.opts.busAddress, (e) =>
      this.logger.warn('BLE D-Bus connection error', { error: e instanceof Error ? e.message : String(e) }),
    );
    const pairing = this.pairingOptions;
    const bus = busOf(this.session.bluetooth);
    if (pairing && bus) {
      const agent = new PairingAgent(bus, pairing, this.logger);
      this.agent = agent;
      this.agentReady = this.op('register pairing agent', () => agent.register()).then(
        () => agent,
        (e: unknown) => {
          this.logger.warn('BLE pairing agent registration failed', { error: e instanceof Error ? e.message : String(e) });
          return undefined;
        },
      );
    }
    this.scanning = this.scan();
  }

  devices(): BleDeviceStatus[] {
    return [...this.sessions.values()].map((s) => ({
      deviceId: s.deviceId,
      address: s.address,
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.definitionId !== undefined ? { definition: s.definitionId } : {}),
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
    if (this.agent) await settleWithin(this.agent.unregister(), bound, this.timers);
    this.agent = undefined;
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

  /** Definition first (most specific match), then the legacy watch rules; undefined = ignore the device. */
  private planFor(deviceId: string, identity: DeviceIdentity): SessionPlan | undefined {
    const choice = this.hooks.identify ? this.hooks.identify(deviceId, identity) : matchDefinition(this.definitions, identity);
    if (choice) {
      const d = choice.definition;
      if (!this.hooks.identify) this.logger.info?.('BLE device definition picked', { deviceId, definition: d.id, reason: choice.reason });
      const bonding = bondingOf(d);
      const gap = quirkOf(d, 'gatt-op-gap')?.ms;
      return {
        subscriptions: new Map(bleSubscriptions(d).map((s) => [s.uuid, s.role])),
        definition: d,
        ...(bonding ? { bonding } : {}),
        ...(gap ? { gapMs: gap } : {}),
      };
    }
    const subscriptions = subscriptionsFor(this.rules, {
      ...(identity.name !== undefined ? { name: identity.name } : {}),
      uuids: identity.services ?? [],
    });
    return subscriptions ? { subscriptions: new Map([...subscriptions].map((u) => [u, 'reading' as const])) } : undefined;
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
      const plan = this.planFor(`ble:${address}`, {
        transport: 'ble',
        ...(name !== undefined ? { name } : {}),
        services: uuids,
        manufacturerData: await manufacturerData(device),
      });
      if (!plan) {
        this.ignored.set(address, this.clock.now() + (this.opts.reprobeMs ?? 30_000));
        return;
      }
      const session = new DeviceSession(address, name, plan, {
        adapter: () => this.adapter,
        clock: this.clock,
        timers: this.timers,
        logger: this.logger,
        backoff: this.backoff,
        operationTimeoutMs: this.operationTimeoutMs,
        stopTimeoutMs: this.opts.stopTimeoutMs ?? 2000,
        emitFrame: (f) => this.safeEmit('frame', f),
        emitState: (s) => this.safeEmit('state', s),
        agent: () => this.agentReady,
        onConnected: (link) => {
          try {
            this.hooks.onConnected?.(link);
          } catch (e) {
            this.logger.warn('BLE onConnected hook threw', { deviceId: link.deviceId, error: e instanceof Error ? e.message : String(e) });
          }
        },
      });
      this.sessions.set(address, session);
      session.start();
    } finally {
      releaseListeners(device); // the probe object only; the session opens its own
    }
  }
}
