/**
 * `telecart gateway`: the edge service alone. Loads and validates the configuration, starts the
 * BLE central (standard SIG health profiles) on BlueZ's D-Bus, and the gateway around it.
 */
import { resolve } from 'node:path';
import { BleCentral, type Clock, systemClock, useProcessTimeZone } from '@telecart/devices';
import { bleWatchRules, type GatewayConfig, startGateway, validateGatewayConfig } from '@telecart/gateway';
import { ConfigError, loadConfigFile } from '../config/load-config.js';
import { createLogger } from '../runtime/logger.js';
import { runService, sayStarting } from '../runtime/service.js';

export interface GatewayCommandOptions {
  config?: string;
  dataDir?: string;
  cloud?: string;
  bleBus?: string;
  httpPort?: number;
}

function fail(message: string): never {
  process.stderr.write(`telecart gateway: ${message}\n`);
  process.exit(1);
}

/**
 * Test-only: TELECART_TEST_CLOCK_OFFSET_MS (whole ms, may be negative) shifts the gateway's clock
 * (ids, receive times, status) so fault-injection runs (tests/chaos) can jump the clock of a
 * gateway running as a separate process. Never set in production.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = env.TELECART_TEST_CLOCK_OFFSET_MS;
  if (raw === undefined || raw === '') return systemClock;
  const offset = Number(raw);
  if (!Number.isSafeInteger(offset)) fail(`TELECART_TEST_CLOCK_OFFSET_MS: expected whole milliseconds, got ${JSON.stringify(raw)}`);
  return { now: () => Date.now() + offset };
}

/**
 * Test-only fault hook: TELECART_TEST_SIGKILL_AFTER_READINGS=N makes the gateway SIGKILL itself
 * right after its Nth reading is committed (at the first 'recorded' event that reaches N), so a
 * test (tests/e2e/notification-atomic.test.ts) can check that a kill at a commit boundary never
 * leaves part of a device notification stored. Never set in production.
 */
export function killAfterReadingsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.TELECART_TEST_SIGKILL_AFTER_READINGS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    fail(`TELECART_TEST_SIGKILL_AFTER_READINGS: expected a whole number ≥ 1, got ${JSON.stringify(raw)}`);
  return n;
}

export async function runGatewayCommand(o: GatewayCommandOptions): Promise<void> {
  if (!o.config) fail('--config <file> is required (examples in configs/)');
  if (!o.cloud) fail('--cloud <url> is required, e.g. mqtt://127.0.0.1:1883');
  if (!/^(mqtts?|wss?|tcp):\/\//.test(o.cloud))
    fail(`--cloud: expected an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(o.cloud)}`);
  let config: GatewayConfig;
  try {
    config = loadConfigFile(validateGatewayConfig, o.config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  if (o.httpPort !== undefined) config = { ...config, http: { ...config.http, port: o.httpPort } };
  // The process runs in the cart's zone: device times convert through Date, not an Intl formatter
  // (~7 MiB of ICU data an idle gateway otherwise never loads; docs/footprint.md).
  useProcessTimeZone(config.timeZone);
  const busAddress = o.bleBus ?? config.ble.busAddress;
  const dataDir = resolve(o.dataDir ?? config.dataDir ?? `data/gateway-${config.gatewayId}`);
  const logger = createLogger('gateway');
  const cloudUrl = o.cloud;
  const clock = clockFromEnv();
  const killAfterReadings = killAfterReadingsFromEnv();

  await runService(
    'gateway',
    async () => {
      const central = config.ble.enabled
        ? new BleCentral({
            rules: bleWatchRules(config),
            ...(config.ble.adapter ? { adapter: config.ble.adapter } : {}),
            ...(busAddress ? { busAddress } : {}),
            clock,
            logger: {
              debug: (m, c) => logger.debug(c ?? {}, m),
              info: (m, c) => logger.info(c ?? {}, m),
              warn: (m, c) => logger.warn(c ?? {}, m),
            },
          })
        : undefined;
      const gateway = await startGateway({
        config,
        dataDir,
        cloudUrl,
        logger,
        clock,
        ...(central ? { frames: central } : {}),
        // A parent waiting for `ready` (the demo) is told before the migration holds the event loop.
        onStoreMigration: (m) => {
          if (m.phase === 'start') sayStarting('gateway', `migrating its store (schema v${m.from} → v${m.to}, ${m.readings} readings)`);
        },
      });
      if (killAfterReadings !== undefined) {
        let committed = 0;
        gateway.store.on('recorded', () => {
          if (++committed >= killAfterReadings) process.kill(process.pid, 'SIGKILL');
        });
      }
      // Devices show as connected on the nurse page and in the cloud status before their first reading.
      central?.on('state', (c) => gateway.devices.setDeviceState(c.deviceId, c.state, c.name ? { name: c.name } : {}));
      try {
        await central?.start();
      } catch (e) {
        await gateway.stop();
        throw e;
      }
      return {
        gateway,
        async stop() {
          await central?.stop();
          await gateway.stop();
        },
      };
    },
    (s) => ({ httpUrl: s.gateway.httpUrl, gatewayId: config.gatewayId, dataDir }),
    (info) => {
      process.stdout.write(
        `telecart gateway ${String(info.gatewayId)}: nurse UI ${String(info.httpUrl)}/  store ${String(info.dataDir)}  cloud ${cloudUrl}  ` +
          `(ready ${String(info.readyAfterMs)} ms after start)\n`,
      );
      if (cloudUrl.startsWith('mqtt://') || cloudUrl.startsWith('ws://')) {
        process.stdout.write('telecart gateway: WARNING: link to the cloud without TLS; use only on loopback or a trusted network\n');
      }
    },
  );
}
