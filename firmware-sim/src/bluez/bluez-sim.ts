/**
 * A BlueZ look-alike: claims org.bluez on a (private) D-Bus and serves the object tree node-ble and
 * other BlueZ clients use — /org/bluez (AgentManager1, ProfileManager1), the adapter, devices that
 * appear while discovering and stay once known, and their GATT services and characteristics.
 */
import { fullUuid } from '@telecart/devices';
import { Message, type MessageBus, MessageType, NameFlag, RequestNameReply, sessionBus } from 'dbus-next';
import { bluezErrors } from './bluez-errors.js';
import { asOptions, isBool, isObjectPath, isString, isStringArray, optionOf } from './dbus-values.js';
import { enableIntegerDictKeys } from './integer-dict-keys.js';
import { DbusObjectServer } from './object-server.js';
import { normalizeAddress, SimDevice } from './sim-device.js';
import type { BluezSimLogger, PeripheralLink, SimPeripheral } from './types.js';

const ADAPTER1 = 'org.bluez.Adapter1';

export interface BluezSimOptions {
  busAddress: string;
  /** Adapter name, default 'hci0'. */
  adapter?: string;
  adapterAddress?: string;
  logger?: BluezSimLogger;
  /** Simulated link set-up time for Connect/Pair. Default 5 ms. */
  connectDelayMs?: number;
  /** How soon a device in range is (re)found while discovering. Default 20 ms. */
  advertisingIntervalMs?: number;
}

export interface BluezSim {
  readonly busAddress: string;
  readonly adapterPath: string;
  /** Puts a peripheral in range; it becomes a Device1 once a discovery sees it. */
  addPeripheral(p: SimPeripheral): PeripheralLink;
  /** The peripheral walks away: the link drops (supervision timeout) and its object is removed. */
  removePeripheral(address: string): void;
  peripheral(address: string): PeripheralLink | undefined;
  /** The next n Connect calls to this device fail (out-of-range simulation for back-off tests). */
  failNextConnects(address: string, n: number): void;
  readonly discovering: boolean;
  /** Some client registered an org.bluez.Agent1. */
  readonly agentRegistered: boolean;
  /** The device is paired (bonded) with the adapter. */
  isPaired(address: string): boolean;
  stop(): Promise<void>;
}

interface DiscoveryFilter {
  uuids?: string[];
  pattern?: string;
}

const silentLogger: BluezSimLogger = { warn: () => undefined };

class BluezSimImpl implements BluezSim {
  readonly adapterPath: string;
  private readonly server: DbusObjectServer;
  private readonly devices = new Map<string, SimDevice>();
  private readonly discoverySessions = new Set<string>();
  private readonly filters = new Map<string, DiscoveryFilter>();
  /** D-Bus sender → its agent; the default one is asked when pairing. */
  private readonly agents = new Map<string, { path: string; capability: string }>();
  private defaultAgent: string | undefined;
  private readonly profiles = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private powered = true;
  private alias: string;
  private stopped = false;

  constructor(
    private readonly bus: MessageBus,
    readonly busAddress: string,
    private readonly opts: Required<Omit<BluezSimOptions, 'logger'>> & { logger: BluezSimLogger },
  ) {
    this.adapterPath = `/org/bluez/${opts.adapter}`;
    this.alias = 'telecart-sim';
    this.server = new DbusObjectServer(bus, opts.logger);
    this.server.add('/org/bluez', this.rootDef());
    this.server.add(this.adapterPath, this.adapterDef());
  }

  get discovering(): boolean {
    return this.discoverySessions.size > 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  addPeripheral(p: SimPeripheral): PeripheralLink {
    const address = normalizeAddress(p.address);
    if (this.devices.has(address)) throw new Error(`peripheral ${address} already added`);
    const device = new SimDevice(p, {
      server: this.server,
      adapterPath: this.adapterPath,
      logger: this.opts.logger,
      connectDelayMs: this.opts.connectDelayMs,
      sleep: (ms) => this.sleep(ms),
      isPowered: () => this.powered,
      agent: () => this.currentAgent(),
      callAgent: async (agent, member, signature, body) => {
        const reply = await this.bus.call(
          new Message({ destination: agent.sender, path: agent.path, interface: 'org.bluez.Agent1', member, signature, body }),
        );
        return Array.isArray(reply?.body) ? reply.body : [];
      },
    });
    this.devices.set(address, device);
    this.scheduleScan();
    return device;
  }

  removePeripheral(address: string): void {
    const a = normalizeAddress(address);
    const device = this.devices.get(a);
    if (!device) return;
    device.gone = true;
    device.dropLink('org.bluez.Reason.Timeout', 'Connection timed out');
    device.unexport();
    this.devices.delete(a);
  }

  peripheral(address: string): PeripheralLink | undefined {
    return this.devices.get(normalizeAddress(address));
  }

  failNextConnects(address: string, n: number): void {
    const device = this.devices.get(normalizeAddress(address));
    if (!device) throw new Error(`no peripheral ${address}`);
    device.failNextConnects(n);
  }

  /** The default agent, else the most recently registered one (BlueZ falls back the same way). */
  private currentAgent(): { sender: string; path: string; capability: string } | undefined {
    const pick = this.defaultAgent ?? [...this.agents.keys()].pop();
    const a = pick === undefined ? undefined : this.agents.get(pick);
    return a && pick !== undefined ? { sender: pick, ...a } : undefined;
  }

  /** Whether a client registered an agent (for tests and `telecart sim` status). */
  get agentRegistered(): boolean {
    return this.agents.size > 0;
  }

  isPaired(address: string): boolean {
    return this.devices.get(normalizeAddress(address))?.isPaired === true;
  }

  /** A D-Bus client left the bus: its discovery session, filter and notify sessions end. */
  clientGone(name: string): void {
    this.agents.delete(name);
    if (this.defaultAgent === name) this.defaultAgent = undefined;
    this.filters.delete(name);
    if (this.discoverySessions.delete(name) && this.discoverySessions.size === 0) {
      this.server.propertiesChanged(this.adapterPath, ADAPTER1, ['Discovering']);
    }
    for (const d of this.devices.values()) d.forgetClient(name);
  }

  private matchesFilters(d: SimDevice): boolean {
    const sessions = [...this.discoverySessions];
    return sessions.some((s) => {
      const f = this.filters.get(s);
      if (!f) return true;
      if (f.uuids && f.uuids.length > 0 && !d.advertisedUuids.some((u) => f.uuids?.includes(u))) return false;
      if (f.pattern && !(d.address.startsWith(f.pattern) || (d.def.name ?? '').startsWith(f.pattern))) return false;
      return true;
    });
  }

  /** Devices in range get found one advertising interval after a discovery can see them. */
  private scheduleScan(): void {
    if (!this.discovering) return;
    this.later(this.opts.advertisingIntervalMs, () => {
      if (!this.discovering) return;
      for (const d of this.devices.values()) {
        if (!d.exported && this.matchesFilters(d)) d.export();
      }
    });
  }

  private rootDef() {
    return {
      'org.bluez.AgentManager1': {
        methods: {
          RegisterAgent: {
            in: 'os',
            out: '',
            call: (args: unknown[], ctx: { sender: string }) => {
              const [path, capability] = args;
              const caps = ['DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay', ''];
              if (!isObjectPath(path) || !isString(capability) || !caps.includes(capability)) {
                throw bluezErrors.invalidArguments();
              }
              if (this.agents.has(ctx.sender)) throw bluezErrors.alreadyExists();
              this.agents.set(ctx.sender, { path, capability: capability || 'KeyboardDisplay' });
            },
          },
          UnregisterAgent: {
            in: 'o',
            out: '',
            call: (args: unknown[], ctx: { sender: string }) => {
              if (this.agents.get(ctx.sender)?.path !== args[0]) throw bluezErrors.doesNotExist('No such Agent');
              this.agents.delete(ctx.sender);
              if (this.defaultAgent === ctx.sender) this.defaultAgent = undefined;
            },
          },
          RequestDefaultAgent: {
            in: 'o',
            out: '',
            call: (args: unknown[], ctx: { sender: string }) => {
              if (this.agents.get(ctx.sender)?.path !== args[0]) throw bluezErrors.doesNotExist('No such Agent');
              this.defaultAgent = ctx.sender;
            },
          },
        },
      },
      'org.bluez.ProfileManager1': {
        methods: {
          RegisterProfile: {
            in: 'osa{sv}',
            out: '',
            call: (args: unknown[], ctx: { sender: string }) => {
              const [path, uuid] = args;
              if (!isObjectPath(path) || !isString(uuid)) throw bluezErrors.invalidArguments();
              asOptions(args[2], 'options');
              if (this.profiles.has(path)) throw bluezErrors.alreadyExists();
              this.profiles.set(path, ctx.sender);
            },
          },
          UnregisterProfile: {
            in: 'o',
            out: '',
            call: (args: unknown[]) => {
              if (!isString(args[0]) || !this.profiles.delete(args[0])) throw bluezErrors.doesNotExist();
            },
          },
        },
      },
    };
  }

  private adapterDef() {
    const changed = (...names: string[]) => this.server.propertiesChanged(this.adapterPath, ADAPTER1, names);
    return {
      [ADAPTER1]: {
        properties: {
          Address: { signature: 's', get: () => this.opts.adapterAddress },
          AddressType: { signature: 's', get: () => 'public' },
          Name: { signature: 's', get: () => 'telecart-sim' },
          Alias: {
            signature: 's',
            get: () => this.alias,
            set: (v: unknown) => {
              if (isString(v)) this.alias = v || 'telecart-sim';
              changed('Alias');
            },
          },
          Class: { signature: 'u', get: () => 0 },
          Powered: {
            signature: 'b',
            get: () => this.powered,
            set: (v: unknown) => {
              this.powered = v === true;
              if (!this.powered) {
                for (const d of this.devices.values()) d.dropLink('org.bluez.Reason.Local', 'Adapter powered off');
                if (this.discoverySessions.size > 0) {
                  this.discoverySessions.clear();
                  changed('Discovering');
                }
              }
              changed('Powered', 'PowerState');
            },
          },
          PowerState: { signature: 's', get: () => (this.powered ? 'on' : 'off') },
          Discoverable: { signature: 'b', get: () => false },
          DiscoverableTimeout: { signature: 'u', get: () => 180 },
          Pairable: { signature: 'b', get: () => true },
          PairableTimeout: { signature: 'u', get: () => 0 },
          Discovering: { signature: 'b', get: () => this.discovering },
          UUIDs: { signature: 'as', get: () => ['00001800', '00001801', '0000180a'].map((u) => `${u}-0000-1000-8000-00805f9b34fb`) },
          Modalias: { signature: 's', get: () => 'usb:v1D6Bp0246d0548' },
          Roles: { signature: 'as', get: () => ['central', 'peripheral'] },
        },
        methods: {
          StartDiscovery: {
            in: '',
            out: '',
            call: (_a: unknown[], ctx: { sender: string }) => {
              if (!this.powered) throw bluezErrors.notReady();
              if (this.discoverySessions.has(ctx.sender)) throw bluezErrors.inProgress();
              const first = this.discoverySessions.size === 0;
              this.discoverySessions.add(ctx.sender);
              if (first) changed('Discovering');
              this.scheduleScan();
            },
          },
          StopDiscovery: {
            in: '',
            out: '',
            call: (_a: unknown[], ctx: { sender: string }) => {
              if (!this.discoverySessions.delete(ctx.sender)) throw bluezErrors.failed('No discovery started');
              if (this.discoverySessions.size === 0) changed('Discovering');
            },
          },
          SetDiscoveryFilter: {
            in: 'a{sv}',
            out: '',
            call: (args: unknown[], ctx: { sender: string }) => {
              const opts = asOptions(args[0], 'filter');
              const known = ['UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern'];
              for (const k of Object.keys(opts)) if (!known.includes(k)) throw bluezErrors.invalidArguments();
              const transport = optionOf(opts, 'Transport', 's', isString);
              if (transport !== undefined && !['auto', 'bredr', 'le'].includes(transport)) {
                throw bluezErrors.invalidArguments();
              }
              optionOf(opts, 'DuplicateData', 'b', isBool);
              optionOf(opts, 'Discoverable', 'b', isBool);
              const uuids = optionOf(opts, 'UUIDs', 'as', isStringArray)?.map(fullUuid);
              const pattern = optionOf(opts, 'Pattern', 's', isString);
              if (Object.keys(opts).length === 0) this.filters.delete(ctx.sender);
              else this.filters.set(ctx.sender, { ...(uuids ? { uuids } : {}), ...(pattern ? { pattern } : {}) });
            },
          },
          GetDiscoveryFilters: {
            in: '',
            out: 'as',
            call: () => ['UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern'],
          },
          RemoveDevice: {
            in: 'o',
            out: '',
            call: (args: unknown[]) => {
              const device = [...this.devices.values()].find((d) => d.path === args[0] && d.exported);
              if (!device) throw bluezErrors.doesNotExist();
              device.dropLink('org.bluez.Reason.Local', 'Device removed');
              device.unexport();
              // Still in range: a running discovery finds it again at its next advertisement.
              this.scheduleScan();
            },
          },
        },
      },
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const d of this.devices.values()) d.dropLink('org.bluez.Reason.Local', 'Adapter stopped');
    this.server.detach();
    // Disconnecting releases org.bluez; an explicit ReleaseName would hang if the bus is already gone.
    this.bus.disconnect();
  }
}

function watchClientsLeaving(bus: MessageBus, sim: BluezSimImpl): Promise<unknown> {
  bus.on('message', (msg: Message) => {
    if (
      msg.type === MessageType.SIGNAL &&
      msg.interface === 'org.freedesktop.DBus' &&
      msg.member === 'NameOwnerChanged' &&
      Array.isArray(msg.body)
    ) {
      const [name, , newOwner] = msg.body;
      if (typeof name === 'string' && name.startsWith(':') && newOwner === '') sim.clientGone(name);
    }
  });
  return bus.call(
    new Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: ["type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'"],
    }),
  );
}

export async function startBluezSim(opts: BluezSimOptions): Promise<BluezSim> {
  if (!enableIntegerDictKeys()) {
    (opts.logger ?? silentLogger).warn('dbus-next internals changed: ManufacturerData cannot be marshalled');
  }
  const logger = opts.logger ?? silentLogger;
  const bus = sessionBus({ busAddress: opts.busAddress });
  bus.on('error', (e: unknown) => logger.warn('BlueZ look-alike D-Bus connection error', { error: String(e) }));
  const sim = new BluezSimImpl(bus, opts.busAddress, {
    busAddress: opts.busAddress,
    adapter: opts.adapter ?? 'hci0',
    adapterAddress: opts.adapterAddress ?? '00:1A:7D:DA:71:0C',
    connectDelayMs: opts.connectDelayMs ?? 5,
    advertisingIntervalMs: opts.advertisingIntervalMs ?? 20,
    logger,
  });
  try {
    await watchClientsLeaving(bus, sim);
    const reply = await bus.requestName('org.bluez', NameFlag.DO_NOT_QUEUE);
    if (reply !== RequestNameReply.PRIMARY_OWNER) throw new Error(`cannot own org.bluez on ${opts.busAddress} (reply ${reply})`);
  } catch (e) {
    await sim.stop();
    throw e;
  }
  return sim;
}
