/**
 * Bonding on real transports: a simulated meter that refuses its characteristics until bonded and
 * shows a passkey (io DisplayOnly). Without the gateway's pairing agent, Device1.Pair() fails and no
 * reading gets through; with the agent and the configured passkey, the gateway pairs (on the
 * "Insufficient Authentication" answer) and the readings flow.
 */
import type { VirtualBleDevice } from '@telecart/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type BleRig, connected, idOf, startBleRig } from './ble-harness.js';

const PASSKEY = 246810;

describe('BLE bonding through the BlueZ pairing agent', () => {
  let rig: BleRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('fails without the agent, pairs with it (passkey typed by the agent), then reads', async () => {
    rig = await startBleRig({
      devices: ['glucose-meter'],
      perDevice: { 'glucose-meter': { requiresBonding: true, security: { bonding: 'required', io: 'DisplayOnly', passkey: PASSKEY } } },
    });
    const r = rig;
    const meter = r.sims.byKind('glucose-meter') as VirtualBleDevice;
    const id = idOf(meter.address);
    meter.measureNow();

    await r.startGateway({ ble: { pairing: { agent: false } } });
    await waitFor(() => r.logs.filter((l) => l.msg === 'BLE connect attempt failed' && l.obj.deviceId === id).length >= 2, {
      what: 'failed attempts',
    });
    const failure = r.logs.find((l) => l.msg === 'BLE connect attempt failed')?.obj.error;
    expect(String(failure)).toMatch(/No agent available/);
    expect(r.sims.sim.isPaired(meter.address)).toBe(false);
    expect(r.sims.sim.agentRegistered).toBe(false);
    expect(meter.racpSent).toHaveLength(0);
    expect(await r.cloud.store.countObservations({})).toBe(0);
    await r.stopGateway();

    await r.startGateway({
      ble: { pairing: { agent: true, capability: 'KeyboardDisplay', passkeys: [{ deviceId: id, passkey: PASSKEY }] } },
    });
    await connected(r, id);
    expect(r.sims.sim.isPaired(meter.address)).toBe(true);
    expect(r.logs.some((l) => l.msg === 'BLE pairing' && /StartNotify refused/.test(String(l.obj.why)))).toBe(true);
    const obs = await r.cloudHas(1);
    expect(obs[0]?.device.id).toBe(id);
  }, 60_000);
});
