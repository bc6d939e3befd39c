/** `telecart sim`: a private dbus-daemon, the BlueZ look-alike and the four simulated devices. */
import { startPrivateBus, startVirtualDevices } from '@telecart/firmware-sim';
import { createLogger } from '../runtime/logger.js';
import { runService } from '../runtime/service.js';

export async function runSimCommand(o: { interval: number; seed: number; timeZone: string }): Promise<void> {
  const log = createLogger('sim');
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
