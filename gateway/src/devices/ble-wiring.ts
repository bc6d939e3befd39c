/**
 * Hands the gateway's definitions, pairing agent and procedures to every BLE central among the
 * frame sources (the CLI builds the central; the gateway decides what it does with each device).
 */
import { BleCentral, type Clock } from '@telecart/devices';
import type { GatewayConfig } from '../config.js';
import { bleWatchRules } from '../config.js';
import type { Logger } from '../logger.js';
import { definitionPolicy, driftPolicyLookup, pairingAgentOptions } from './ble-config.js';
import { BleProcedures } from './ble-procedures.js';
import type { DeviceManager } from './device-manager.js';
import { DeviceStateStore } from './device-state-store.js';
import type { FrameSource } from './frame-source.js';

export interface BleWiring {
  procedures: BleProcedures;
  state: DeviceStateStore;
  close(): Promise<void>;
}

export function wireBleCentrals(
  sources: readonly FrameSource[],
  ctx: { devices: DeviceManager; config: GatewayConfig; dataDir: string; clock: Clock; logger: Logger },
): BleWiring {
  const state = new DeviceStateStore({ dataDir: ctx.dataDir, clock: ctx.clock });
  const procedures = new BleProcedures({
    devices: ctx.devices,
    state,
    timeZone: ctx.config.timeZone,
    clock: ctx.clock,
    logger: ctx.logger,
    driftPolicyFor: driftPolicyLookup(ctx.config.ble.clock),
  });
  const accept = definitionPolicy(ctx.config.ble.definitions, bleWatchRules(ctx.config));
  for (const s of sources) {
    if (!(s instanceof BleCentral)) continue;
    s.use({
      pairing: pairingAgentOptions(ctx.config.ble.pairing),
      hooks: {
        identify: (deviceId, identity) => ctx.devices.identify(deviceId, identity, accept),
        onConnected: (link) => procedures.onConnected(link),
      },
    });
  }
  return {
    procedures,
    state,
    async close() {
      await Promise.race([procedures.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      state.close();
    },
  };
}
