/**
 * A BlueZ pairing agent (org.bluez.Agent1) exported on the central's own D-Bus connection, so BlueZ
 * asks us — not a desktop agent — when a device we pair needs a passkey or a confirmation.
 * It only ever agrees to pairings this process started (Device1.Pair() through `expect()`): a
 * device that asks to pair on its own is rejected.
 */
import dbus from 'dbus-next';
import type { IoCapability } from '../definitions/types.js';

export const AGENT_PATH = '/org/telecart/agent';

export interface PairingAgentOptions {
  /** What we can do: 'KeyboardDisplay' lets us type a device's passkey; 'NoInputNoOutput' is Just Works only. */
  capability: IoCapability;
  /** The passkey (0..999999) configured for a device, by upper-case address. */
  passkeyFor?(address: string): number | undefined;
}

export interface AgentLogger {
  info?(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

const rejected = (why: string) => new dbus.DBusError('org.bluez.Error.Rejected', why);

/** '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF' → 'AA:BB:CC:DD:EE:FF'. */
export function addressOfDevicePath(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const m = /\/dev_([0-9A-Fa-f]{2}(?:_[0-9A-Fa-f]{2}){5})$/.exec(path);
  return m?.[1]?.replace(/_/g, ':').toUpperCase();
}

class Agent1 extends dbus.interface.Interface {
  constructor(private readonly agent: PairingAgent) {
    super('org.bluez.Agent1');
  }
  Release(): void {
    this.agent.released();
  }
  RequestPinCode(): string {
    throw rejected('PIN codes (BR/EDR legacy pairing) are not supported');
  }
  DisplayPinCode(): void {}
  RequestPasskey(device: string): number {
    return this.agent.passkey(device);
  }
  DisplayPasskey(): void {}
  RequestConfirmation(device: string, passkey: number): void {
    this.agent.confirm(device, passkey);
  }
  RequestAuthorization(device: string): void {
    this.agent.authorize(device, 'pairing');
  }
  AuthorizeService(device: string): void {
    this.agent.authorize(device, 'service');
  }
  Cancel(): void {}
}
Agent1.configureMembers({
  methods: {
    Release: {},
    RequestPinCode: { inSignature: 'o', outSignature: 's' },
    DisplayPinCode: { inSignature: 'os' },
    RequestPasskey: { inSignature: 'o', outSignature: 'u' },
    DisplayPasskey: { inSignature: 'ouq' },
    RequestConfirmation: { inSignature: 'ou' },
    RequestAuthorization: { inSignature: 'o' },
    AuthorizeService: { inSignature: 'os' },
    Cancel: {},
  },
});

interface AgentManager {
  RegisterAgent(path: string, capability: string): Promise<void>;
  RequestDefaultAgent(path: string): Promise<void>;
  UnregisterAgent(path: string): Promise<void>;
}

/** The agent object; `register()` exports it and makes it BlueZ's default agent. */
export class PairingAgent {
  private readonly expected = new Set<string>();
  private registered = false;
  private readonly iface: Agent1;

  constructor(
    private readonly bus: dbus.MessageBus,
    private readonly opts: PairingAgentOptions,
    private readonly logger: AgentLogger,
  ) {
    this.iface = new Agent1(this);
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  private async manager(): Promise<AgentManager> {
    const iface = (await this.bus.getProxyObject('org.bluez', '/org/bluez')).getInterface('org.bluez.AgentManager1');
    const call =
      (name: string) =>
      async (...args: unknown[]) => {
        const fn = (iface as unknown as Record<string, unknown>)[name];
        if (typeof fn !== 'function') throw new Error(`org.bluez.AgentManager1 has no ${name}`);
        await (fn as (...a: unknown[]) => Promise<unknown>).apply(iface, args);
      };
    return {
      RegisterAgent: call('RegisterAgent'),
      RequestDefaultAgent: call('RequestDefaultAgent'),
      UnregisterAgent: call('UnregisterAgent'),
    };
  }

  async register(): Promise<void> {
    if (this.registered) return;
    this.bus.export(AGENT_PATH, this.iface);
    const manager = await this.manager();
    try {
      await manager.RegisterAgent(AGENT_PATH, this.opts.capability);
    } catch (e) {
      // Our own earlier registration on this connection is fine; anything else is a real failure.
      if (!(e instanceof dbus.DBusError && e.type === 'org.bluez.Error.AlreadyExists')) {
        this.bus.unexport(AGENT_PATH, this.iface);
        throw e;
      }
    }
    await manager.RequestDefaultAgent(AGENT_PATH);
    this.registered = true;
    this.logger.info?.('BLE pairing agent registered', { capability: this.opts.capability });
  }

  /** Announces a Pair() we are about to call; the returned function ends the window. */
  expect(address: string): () => void {
    const a = address.toUpperCase();
    this.expected.add(a);
    return () => this.expected.delete(a);
  }

  released(): void {
    this.registered = false;
  }

  private expectedAddress(device: string, what: string): string {
    const address = addressOfDevicePath(device);
    if (!address || !this.expected.has(address)) {
      this.logger.warn('BLE pairing request not started by the gateway rejected', { device, what });
      throw rejected('pairing not initiated by this gateway');
    }
    return address;
  }

  passkey(device: string): number {
    const address = this.expectedAddress(device, 'passkey');
    const key = this.opts.passkeyFor?.(address);
    if (key === undefined) {
      this.logger.warn('BLE device asks for a passkey and none is configured', { address });
      throw rejected('no passkey configured for this device');
    }
    return key;
  }

  confirm(device: string, passkey: number): void {
    const address = this.expectedAddress(device, 'confirmation');
    const key = this.opts.passkeyFor?.(address);
    // With a configured passkey, the numbers must agree; without one, a pairing we started is confirmed.
    if (key !== undefined && key !== passkey) {
      this.logger.warn('BLE pairing passkey mismatch', { address });
      throw rejected('passkey mismatch');
    }
  }

  authorize(device: string, what: string): void {
    this.expectedAddress(device, what);
  }

  async unregister(): Promise<void> {
    if (!this.registered) return;
    this.registered = false;
    try {
      const manager = await this.manager();
      await manager.UnregisterAgent(AGENT_PATH);
    } catch {
      // BlueZ forgets the agent anyway when our connection closes.
    }
    this.bus.unexport(AGENT_PATH, this.iface);
  }
}
