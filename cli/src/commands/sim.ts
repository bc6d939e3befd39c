/** `telecart sim`: a private dbus-daemon, the BlueZ look-alike and the simulated devices (`--devices`). */
import {
  ALL_VIRTUAL_DEVICE_KINDS,
  DEFAULT_VIRTUAL_DEVICE_KINDS,
  startPrivateBus,
  startVirtualDevices,
  type VirtualDeviceKind,
} from '@telecart/firmware-sim';
import { createLogger } from '../runtime/logger.js';
import { runService } from '../runtime/service.js';

/** '--devices': 'default' (the cart's four), 'all', or a comma-separated list of kinds. */
export function parseDeviceKinds(spec: string | undefined): readonly VirtualDeviceKind[] {
  if (spec === undefined || spec === 'default') return DEFAULT_VIRTUAL_DEVICE_KINDS;
  if (spec === 'all') return ALL_VIRTUAL_DEVICE_KINDS;
  const kinds = spec.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(ALL_VIRTUAL_DEVICE_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new Error(`--devices: unknown kind(s) ${unknown.join(', ')} (known: ${ALL_VIRTUAL_DEVICE_KINDS.join(', ')})`);
  return kinds as VirtualDeviceKind[];
}

export async function runSimCommand(o: { interval: number; seed: number; timeZone: string; devices?: string }): Promise<void> {
  const log = createLogger('sim');
  let kinds: readonly VirtualDeviceKind[];
  try {
    kinds = parseDeviceKinds(o.devices);
  } catch (e) {
    process.stderr.write(`telecart sim: ${(e as Error).message}\n`);
    process.exit(1);
  }
  await runService(
    'sim',
    async () => {
      const bus = await startPrivateBus();
      try {
        const devices = await startVirtualDevices({
          busAddress: bus.address,
          seed: o.seed,
          intervalMs: o.interval,
          timeZone: o.timeZone,
          devices: kinds,
          logger: { debug: (m, c) => log.debug(c ?? {}, m), warn: (m, c) => log.warn(c ?? {}, m) },
        });
        return {
          bus,
          devices,
          async stop() {
            await devices.stop();
            await bus.stop();
          },
        };
      } catch (e) {
        await bus.stop();
        throw e;
      }
    },
    (s) => ({ busAddress: s.bus.address, devices: s.devices.devices.map((d) => ({ kind: d.kind, address: d.address })) }),
    (info) => {
      process.stdout.write(`${String(info.busAddress)}\n`);
      process.stderr.write(
        `telecart sim: BlueZ look-alike serving ${(info.devices as { kind: string; address: string }[]).map((d) => `${d.kind} ${d.address}`).join(', ')}\n` +
          `  point a gateway at it with --ble-bus '${String(info.busAddress)}' (or DBUS_SYSTEM_BUS_ADDRESS)\n`,
      );
    },
  );
}
