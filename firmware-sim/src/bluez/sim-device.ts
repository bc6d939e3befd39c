/**
 * One simulated peripheral as BlueZ shows it: the org.bluez.Device1 object, its connection state
 * machine and, while connected, its GATT objects.
 */
import { fullUuid } from '@telecart/devices';
import { Variant } from 'dbus-next';
import { bluezErrors } from './bluez-errors.js';
import { characteristicObject, layoutGatt, type SimChar, type SimGattService, serviceObject } from './gatt-model.js';
import type { DbusObjectServer, ObjectDef } from './object-server.js';
import type { BluezSimLogger, PeripheralLink, SimPeripheral } from './types.js';

export const DEVICE1 = 'org.bluez.Device1';
const CHARACTERISTIC1 = 'org.bluez.GattCharacteristic1';

/** BlueZ's Disconnected(reason, message) reasons (doc/org.bluez.Device.rst). */
export type DisconnectReason = 'org.bluez.Reason.Local' | 'org.bluez.Reason.Remote' | 'org.bluez.Reason.Timeout';

export function normalizeAddress(address: string): string {
  const a = address.toUpperCase();
  if (!/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/.test(a)) throw new Error(`invalid Bluetooth address '${address}'`);
  return a;
}

export interface SimDeviceEnv {
  server: DbusObjectServer;
  adapterPath: string;
  logger: BluezSimLogger;
  connectDelayMs: number;
  /** setTimeout that stop() can cancel. */
  sleep(ms: number): Promise<void>;
  isPowered(): boolean;
  /** The default pairing agent (AgentManager1), if a client registered one. */
  agent(): SimAgent | undefined;
  /** Calls a method of the agent (org.bluez.Agent1); rejects with the agent's D-Bus error. */
  callAgent(agent: SimAgent, member: string, signature: string, body: unknown[]): Promise<unknown[]>;
}

export interface SimAgent {
  sender: string;
  path: string;
  capability: string;
}

/** Services that stay open on a device requiring bonding: GAP, GATT, Device Information. */
const OPEN_SERVICES = new Set(['1800', '1801', '180a'].map((u) => fullUuid(u)));
const INPUT_CAPS = ['KeyboardOnly', 'KeyboardDisplay'];
const YESNO_CAPS = ['DisplayYesNo', 'KeyboardDisplay'];

export class SimDevice implements PeripheralLink {
  readonly address: string;
  readonly path: string;
  readonly gatt: SimGattService[];
  /** Known to the adapter: its Device1 object exists. */
  exported = false;
  /** Removed from the simulation (walked away for good). */
  gone = false;
  private isConnected = false;
  private connecting = false;
  private resolved = false;
  private pairing: { cancel(): void } | undefined;
  private paired = false;
  private trusted = false;
  private blocked = false;
  private alias: string | undefined;
  private failConnects = 0;
  private opsInFlight = 0;

  constructor(
    readonly def: SimPeripheral,
    private readonly env: SimDeviceEnv,
  ) {
    this.address = normalizeAddress(def.address);
    this.path = `${env.adapterPath}/dev_${this.address.replace(/:/g, '_')}`;
    this.gatt = layoutGatt(this.path, def.services);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get advertisedUuids(): string[] {
    return this.def.advertisedServices.map(fullUuid);
  }

  /** The next n Connect calls fail as a real out-of-range device does. */
  failNextConnects(n: number): void {
    this.failConnects = n;
  }

  export(): void {
    if (this.exported || this.gone) return;
    this.env.server.add(this.path, this.objectDef());
    this.exported = true;
  }

  unexport(): void {
    if (!this.exported) return;
    this.env.server.remove(this.path);
    this.exported = false;
  }

  private findChar(charUuid: string): SimChar | undefined {
    const uuid = fullUuid(charUuid);
    for (const s of this.gatt) {
      for (const c of s.chars) if (c.uuid === uuid) return c;
    }
    return undefined;
  }

  isSubscribed(charUuid: string): boolean {
    const c = this.findChar(charUuid);
    return this.isConnected && c !== undefined && c.subscribers.size > 0;
  }

  notify(charUuid: string, bytes: Uint8Array): boolean {
    const c = this.findChar(charUuid);
    if (!c || !this.isConnected || c.subscribers.size === 0) return false;
    c.value = Uint8Array.from(bytes);
    // One PropertiesChanged per PDU, identical bytes included: BlueZ's notification model.
    this.env.server.propertiesChanged(c.path, CHARACTERISTIC1, ['Value']);
    return true;
  }

  disconnect(): void {
    this.dropLink('org.bluez.Reason.Remote', 'Connection terminated by remote user');
  }

  /** Called when a D-Bus client disappears: its notify sessions end, as in BlueZ. */
  forgetClient(name: string): void {
    for (const s of this.gatt) {
      for (const c of s.chars) {
        if (c.subscribers.delete(name) && c.subscribers.size === 0 && this.isConnected) {
          this.env.server.propertiesChanged(c.path, CHARACTERISTIC1, ['Notifying']);
          this.safeHook(() => this.def.onSubscriptionChange?.(this, c.uuid, false));
        }
      }
    }
  }

  /** Ends the link (if any) with the given reason; GATT objects go, then Connected turns false. */
  dropLink(reason: DisconnectReason, message: string): void {
    if (!this.isConnected) return;
    const server = this.env.server;
    for (const s of this.gatt) for (const c of s.chars) c.subscribers.clear();
    this.resolved = false;
    server.propertiesChanged(this.path, DEVICE1, ['ServicesResolved']);
    for (const s of [...this.gatt].reverse()) {
      for (const c of [...s.chars].reverse()) server.remove(c.path);
      server.remove(s.path);
    }
    this.isConnected = false;
    server.propertiesChanged(this.path, DEVICE1, ['Connected']);
    server.signal(this.path, DEVICE1, 'Disconnected', 'ss', [reason, message]);
    this.safeHook(() => this.def.onDisconnect?.(this));
  }

  private safeHook(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.env.logger.warn('simulated peripheral hook failed', { address: this.address, error: String(e) });
    }
  }

  private async connect(): Promise<void> {
    if (this.isConnected) return;
    if (this.connecting) throw bluezErrors.inProgress();
    if (!this.env.isPowered()) throw bluezErrors.notReady();
    this.connecting = true;
    try {
      await this.env.sleep(this.env.connectDelayMs);
      if (this.gone || !this.exported) throw bluezErrors.failed('le-connection-abort-by-local');
      if (this.failConnects > 0) {
        this.failConnects--;
        throw bluezErrors.failed('le-connection-abort-by-local');
      }
      this.isConnected = true;
      this.resolved = false;
      this.env.server.propertiesChanged(this.path, DEVICE1, ['Connected']);
      const host = {
        isConnected: () => this.isConnected,
        authorized: (c: SimChar) => this.def.security?.bonding !== 'required' || this.paired || this.isOpenChar(c),
        beginOp: () => this.beginOp(),
        propertiesChanged: (path: string, names: string[]) => this.env.server.propertiesChanged(path, CHARACTERISTIC1, names),
        subscriptionChanged: (c: SimChar, subscribed: boolean) =>
          // After the StartNotify reply, so a hook that notifies at once is seen after it.
          setImmediate(() => this.safeHook(() => this.def.onSubscriptionChange?.(this, c.uuid, subscribed))),
      };
      for (const s of this.gatt) {
        this.env.server.add(s.path, serviceObject(this.path, s));
        for (const c of s.chars) this.env.server.add(c.path, characteristicObject(c, host));
      }
      this.resolved = true;
      this.env.server.propertiesChanged(this.path, DEVICE1, ['ServicesResolved']);
      this.safeHook(() => this.def.onConnect?.(this));
    } finally {
      this.connecting = false;
    }
  }

  private isOpenChar(c: SimChar): boolean {
    const service = this.gatt.find((s) => s.chars.includes(c));
    return service !== undefined && OPEN_SERVICES.has(service.uuid);
  }

  private async beginOp(): Promise<() => void> {
    const timing = this.def.gattTiming;
    if (timing?.rejectConcurrent && this.opsInFlight > 0) throw bluezErrors.inProgress();
    this.opsInFlight++;
    let ended = false;
    const end = () => {
      if (!ended) this.opsInFlight--;
      ended = true;
    };
    try {
      if (timing?.latencyMs) await this.env.sleep(timing.latencyMs);
    } catch (e) {
      end();
      throw e;
    }
    return end;
  }

  /** What BlueZ asks the agent, from the two io capabilities (Core spec pairing method table, simplified). */
  private async authenticate(): Promise<void> {
    const agent = this.env.agent();
    if (!agent) throw bluezErrors.authenticationFailed('No agent available for request');
    const sec = this.def.security;
    const passkey = sec?.passkey ?? 123456;
    const ask = async (member: string, signature: string, body: unknown[]) => {
      try {
        return await this.env.callAgent(agent, member, signature, body);
      } catch (e) {
        this.env.logger.debug?.('pairing agent refused', { address: this.address, member, error: String(e) });
        throw bluezErrors.authenticationRejected();
      }
    };
    const io = sec?.io ?? 'NoInputNoOutput';
    if (
      io === 'DisplayOnly' ||
      (io === 'DisplayYesNo' && INPUT_CAPS.includes(agent.capability) && !YESNO_CAPS.includes(agent.capability))
    ) {
      // The device shows a passkey: the central must type it in.
      if (!INPUT_CAPS.includes(agent.capability)) throw bluezErrors.authenticationRejected();
      const [typed] = await ask('RequestPasskey', 'o', [this.path]);
      if (typed !== passkey) throw bluezErrors.authenticationFailed();
    } else if (io === 'DisplayYesNo' && YESNO_CAPS.includes(agent.capability)) {
      await ask('RequestConfirmation', 'ou', [this.path, passkey]);
    } else if ((io === 'KeyboardOnly' || io === 'KeyboardDisplay') && agent.capability !== 'NoInputNoOutput') {
      await ask('DisplayPasskey', 'ouq', [this.path, passkey, 0]);
    } else {
      await ask('RequestAuthorization', 'o', [this.path]);
    }
  }

  get isPaired(): boolean {
    return this.paired;
  }

  private async pair(): Promise<void> {
    if (this.paired) throw bluezErrors.alreadyExists();
    if (this.pairing) throw bluezErrors.inProgress();
    let canceled = false;
    this.pairing = {
      cancel: () => {
        canceled = true;
      },
    };
    try {
      if (!this.isConnected) await this.connect();
      await this.env.sleep(this.env.connectDelayMs);
      if (canceled) throw bluezErrors.authenticationCanceled();
      await this.authenticate();
      if (canceled) throw bluezErrors.authenticationCanceled();
      this.paired = true;
      this.env.server.propertiesChanged(this.path, DEVICE1, ['Paired', 'Bonded']);
    } finally {
      this.pairing = undefined;
    }
  }

  private objectDef(): ObjectDef {
    const d = this.def;
    const bytesDict = (m: Record<string | number, Uint8Array>) => {
      const out: Record<string, Variant> = {};
      for (const [k, v] of Object.entries(m)) out[k] = new Variant('ay', Buffer.from(v));
      return out;
    };
    const serviceData = d.serviceData ? Object.fromEntries(Object.entries(d.serviceData).map(([k, v]) => [fullUuid(k), v])) : undefined;
    return {
      [DEVICE1]: {
        properties: {
          Address: { signature: 's', get: () => this.address },
          AddressType: { signature: 's', get: () => d.addressType ?? 'public' },
          Name: { signature: 's', get: () => d.name },
          Alias: {
            signature: 's',
            get: () => this.alias ?? d.name ?? this.address.replace(/:/g, '-'),
            set: (v) => {
              if (typeof v === 'string') this.alias = v === '' ? undefined : v;
              this.env.server.propertiesChanged(this.path, DEVICE1, ['Alias']);
            },
          },
          Appearance: { signature: 'q', get: () => d.appearance },
          Paired: { signature: 'b', get: () => this.paired },
          Bonded: { signature: 'b', get: () => this.paired },
          Trusted: {
            signature: 'b',
            get: () => this.trusted,
            set: (v) => {
              this.trusted = v === true;
              this.env.server.propertiesChanged(this.path, DEVICE1, ['Trusted']);
            },
          },
          Blocked: {
            signature: 'b',
            get: () => this.blocked,
            set: (v) => {
              this.blocked = v === true;
              this.env.server.propertiesChanged(this.path, DEVICE1, ['Blocked']);
              if (this.blocked) this.dropLink('org.bluez.Reason.Local', 'Blocked');
            },
          },
          LegacyPairing: { signature: 'b', get: () => false },
          RSSI: { signature: 'n', get: () => (this.gone ? undefined : (d.rssi ?? -60)) },
          TxPower: { signature: 'n', get: () => d.txPower },
          Connected: { signature: 'b', get: () => this.isConnected },
          UUIDs: { signature: 'as', get: () => this.advertisedUuids },
          Adapter: { signature: 'o', get: () => this.env.adapterPath },
          ManufacturerData: {
            signature: 'a{qv}',
            get: () => (d.manufacturerData ? bytesDict(d.manufacturerData) : undefined),
          },
          ServiceData: { signature: 'a{sv}', get: () => (serviceData ? bytesDict(serviceData) : undefined) },
          ServicesResolved: { signature: 'b', get: () => this.isConnected && this.resolved },
          AdvertisingFlags: { signature: 'ay', get: () => Buffer.from([0x06]) },
        },
        methods: {
          Connect: { in: '', out: '', call: () => this.connect() },
          Disconnect: {
            in: '',
            out: '',
            call: () => {
              if (!this.isConnected) throw bluezErrors.notConnected();
              this.dropLink('org.bluez.Reason.Local', 'Connection terminated by local host');
            },
          },
          ConnectProfile: { in: 's', out: '', call: () => this.connect() },
          DisconnectProfile: { in: 's', out: '', call: () => undefined },
          Pair: { in: '', out: '', call: () => this.pair() },
          CancelPairing: {
            in: '',
            out: '',
            call: () => {
              if (!this.pairing) throw bluezErrors.doesNotExist('No such pairing');
              this.pairing.cancel();
            },
          },
        },
        signals: { Disconnected: 'ss' },
      },
    };
  }
}
