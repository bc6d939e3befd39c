/**
 * The GATT database of one simulated peripheral, laid out like BlueZ names it
 * (…/dev_XX/serviceHHHH/charHHHH, handles in lower-case hex), and the D-Bus objects for it.
 */
import { fullUuid } from '@telecart/devices';
import { bluezErrors } from './bluez-errors.js';
import { asBytes, asOptions, isString, isUint16, optionOf } from './dbus-values.js';
import type { CallContext, ObjectDef } from './object-server.js';
import { AttError, type SimCharacteristic, type SimService, type WriteType } from './types.js';

export const GATT_SERVICE = 'org.bluez.GattService1';
export const GATT_CHARACTERISTIC = 'org.bluez.GattCharacteristic1';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export interface SimChar {
  readonly def: SimCharacteristic;
  readonly uuid: string;
  readonly path: string;
  readonly servicePath: string;
  readonly handle: number;
  value: Uint8Array;
  /** D-Bus unique names that called StartNotify. */
  readonly subscribers: Set<string>;
}

export interface SimGattService {
  readonly uuid: string;
  readonly path: string;
  readonly handle: number;
  readonly chars: SimChar[];
}

/** Lays out handles the way an ATT server does: service, then per characteristic declaration, value, CCCD. */
export function layoutGatt(devicePath: string, services: SimService[]): SimGattService[] {
  let handle = 1;
  return services.map((s) => {
    const serviceHandle = handle++;
    const servicePath = `${devicePath}/service${hex4(serviceHandle)}`;
    const chars = s.characteristics.map((c): SimChar => {
      const declHandle = handle;
      handle += c.flags.includes('notify') || c.flags.includes('indicate') ? 3 : 2;
      return {
        def: c,
        uuid: fullUuid(c.uuid),
        path: `${servicePath}/char${hex4(declHandle)}`,
        servicePath,
        handle: declHandle,
        value: c.value ?? new Uint8Array(0),
        subscribers: new Set(),
      };
    });
    return { uuid: fullUuid(s.uuid), path: servicePath, handle: serviceHandle, chars };
  });
}

export function serviceObject(devicePath: string, s: SimGattService): ObjectDef {
  return {
    [GATT_SERVICE]: {
      properties: {
        UUID: { signature: 's', get: () => s.uuid },
        Device: { signature: 'o', get: () => devicePath },
        Primary: { signature: 'b', get: () => true },
        Includes: { signature: 'ao', get: () => [] },
        Handle: { signature: 'q', get: () => s.handle },
      },
    },
  };
}

/** What a characteristic object needs from the device that owns it. */
export interface CharHost {
  isConnected(): boolean;
  /** False while the device requires bonding and is not paired (GAP/GATT/DIS stay open). */
  authorized(c: SimChar): boolean;
  /** Marks a GATT operation in flight (after the simulated latency); returns its end. Throws InProgress on a collision. */
  beginOp(): Promise<() => void>;
  subscriptionChanged(c: SimChar, subscribed: boolean): void;
  propertiesChanged(path: string, names: string[]): void;
}

const READ_FLAGS = ['read', 'encrypt-read', 'encrypt-authenticated-read'];
const WRITE_FLAGS = ['write', 'encrypt-write', 'encrypt-authenticated-write'];

function canNotify(c: SimChar): boolean {
  return c.def.flags.includes('notify') || c.def.flags.includes('indicate');
}

/** gatt-client.c's choice of ATT procedure when the client gives no type. */
function defaultWriteType(c: SimChar): WriteType {
  if (c.def.flags.includes('reliable-write')) return 'reliable';
  if (c.def.flags.some((f) => WRITE_FLAGS.includes(f))) return 'request';
  return 'command';
}

function attFailure(e: unknown): unknown {
  return e instanceof AttError ? bluezErrors.att(e.code) : e;
}

export function characteristicObject(c: SimChar, host: CharHost): ObjectDef {
  const requireConnected = () => {
    if (!host.isConnected()) throw bluezErrors.failed('Not connected');
  };
  const requireAuth = () => {
    if (!host.authorized(c)) throw bluezErrors.insufficientAuthentication();
  };
  const timed = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    const end = await host.beginOp();
    try {
      return await fn();
    } finally {
      end();
    }
  };
  const properties: NonNullable<ObjectDef[string]['properties']> = {
    UUID: { signature: 's', get: () => c.uuid },
    Service: { signature: 'o', get: () => c.servicePath },
    Value: { signature: 'ay', get: () => Buffer.from(c.value) },
    Flags: { signature: 'as', get: () => [...c.def.flags] },
    Handle: { signature: 'q', get: () => c.handle + 1 },
    MTU: { signature: 'q', get: () => 247 },
  };
  if (canNotify(c)) properties.Notifying = { signature: 'b', get: () => c.subscribers.size > 0 };

  return {
    [GATT_CHARACTERISTIC]: {
      properties,
      methods: {
        ReadValue: {
          in: 'a{sv}',
          out: 'ay',
          call: (args) =>
            timed(async () => {
              const opts = asOptions(args[0], 'options');
              const offset = optionOf(opts, 'offset', 'q', isUint16) ?? 0;
              requireConnected();
              requireAuth();
              if (!c.def.flags.some((f) => READ_FLAGS.includes(f))) throw bluezErrors.notPermitted('Read not permitted');
              let value: Uint8Array;
              try {
                value = c.def.read ? await c.def.read() : c.value;
              } catch (e) {
                throw attFailure(e);
              }
              if (offset > value.length) throw bluezErrors.invalidOffset();
              c.value = value;
              return Buffer.from(value.subarray(offset));
            }),
        },
        WriteValue: {
          in: 'aya{sv}',
          out: '',
          call: (args) =>
            timed(async () => {
              const value = asBytes(args[0], 'value');
              const opts = asOptions(args[1], 'options');
              const offset = optionOf(opts, 'offset', 'q', isUint16) ?? 0;
              const type = optionOf(opts, 'type', 's', isString) ?? defaultWriteType(c);
              if (type !== 'command' && type !== 'request' && type !== 'reliable') {
                throw bluezErrors.invalidArguments(`unknown write type '${type}'`);
              }
              requireConnected();
              requireAuth();
              const flags = c.def.flags;
              if (type === 'command' && !flags.includes('write-without-response')) throw bluezErrors.notSupported();
              if (type === 'request' && !flags.some((f) => WRITE_FLAGS.includes(f))) {
                throw bluezErrors.notPermitted('Write not permitted');
              }
              // A peer without Prepare/Execute Write answers "Request Not Supported" (0x06).
              if (type === 'reliable' && !flags.includes('reliable-write')) throw bluezErrors.att(0x06);
              if (!c.def.write) throw bluezErrors.notPermitted('Write not permitted');
              try {
                await c.def.write(value, { type, offset });
              } catch (e) {
                throw attFailure(e);
              }
            }),
        },
        StartNotify: {
          in: '',
          out: '',
          call: (_args, ctx: CallContext) =>
            timed(() => {
              if (!host.isConnected()) throw bluezErrors.notConnected();
              if (!canNotify(c)) throw bluezErrors.notSupported();
              requireAuth();
              if (c.subscribers.has(ctx.sender)) throw bluezErrors.inProgress();
              const first = c.subscribers.size === 0;
              c.subscribers.add(ctx.sender);
              if (first) {
                host.propertiesChanged(c.path, ['Notifying']);
                host.subscriptionChanged(c, true);
              }
            }),
        },
        StopNotify: {
          in: '',
          out: '',
          call: (_args, ctx: CallContext) => {
            if (!c.subscribers.delete(ctx.sender)) throw bluezErrors.failed('No notify session started');
            if (c.subscribers.size === 0) {
              host.propertiesChanged(c.path, ['Notifying']);
              host.subscriptionChanged(c, false);
            }
          },
        },
      },
    },
  };
}
