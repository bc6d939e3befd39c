/**
 * The first slice end to end on real transports: simulated BLE devices on a BlueZ look-alike
 * (private dbus-daemon) → the gateway (a real child process: node-ble, SQLite, MQTT) → the
 * cloud (embedded aedes, SQLite, HTTP). Every reading reaches the cloud exactly once, with the
 * right value, unit, code, patient and timestamps — also across a SIGKILL between store and ack.
 */
import type { Observation } from '@telecart/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExpectedReading, RESIDENTS, startVirtualCart, type VirtualCart } from '../support/virtual-cart.js';
import { waitFor } from '../support/wait.js';

const SUBSCRIPTIONS: Record<string, string> = {
  'blood-pressure-cuff': '2A35',
  'weight-scale': '2A9D',
  'pulse-oximeter': '2A5E',
  thermometer: '2A1C',
};

async function waitSubscribed(cart: VirtualCart): Promise<void> {
  await waitFor(
    () => cart.devices.devices.every((d) => cart.devices.sim.peripheral(d.address)?.isSubscribed(SUBSCRIPTIONS[d.kind] ?? '') === true),
    { timeoutMs: 45_000, what: 'the gateway to subscribe to all four devices' },
  );
}

function measureAll(cart: VirtualCart, times: number): void {
  for (let i = 0; i < times; i++) for (const d of cart.devices.devices) d.measureNow();
}

async function cloudObservations(cart: VirtualCart): Promise<Observation[]> {
  return cart.cloud.store.getObservations({ limit: 1000 });
}

function keyOf(deviceId: string, loinc: string, mdc: number | undefined, device: string | null): string {
  return `${deviceId}|${loinc}|${mdc ?? ''}|${device ?? ''}`;
}

function expectExactlyOnce(expected: ExpectedReading[], stored: Observation[], patientId: string): void {
  const fmt = (t: NonNullable<ExpectedReading['draft']['deviceTime']>) =>
    `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}T${String(t.hours).padStart(2, '0')}:${String(t.minutes).padStart(2, '0')}:${String(t.seconds).padStart(2, '0')}`;
  const byKey = new Map<string, Observation[]>();
  for (const o of stored) {
    const k = keyOf(o.device.id, o.code.loinc, o.code.mdc, o.time.device);
    byKey.set(k, [...(byKey.get(k) ?? []), o]);
  }
  expect(stored.length).toBe(expected.length);
  for (const e of expected) {
    const deviceTime = e.draft.deviceTime ? fmt(e.draft.deviceTime) : null;
    const matches = byKey.get(keyOf(e.deviceId, e.draft.code.loinc, e.draft.code.mdc, deviceTime)) ?? [];
    expect(matches, `${e.deviceId} ${e.draft.code.display} at ${deviceTime}`).toHaveLength(1);
    const o = matches[0] as Observation;
    expect(o.value).toEqual(e.draft.value);
    expect(o.components).toEqual(e.draft.components);
    expect(o.status).toBe('final');
    expect(o.patient).toMatchObject({ id: patientId, assignment: 'nurse-selected' });
    // Devices keep UTC here (timeZone: UTC): the effective time is the device time itself.
    expect(o.time.source).toBe('device');
    expect(o.time.effective).toBe(`${deviceTime}.000Z`);
    // The stepping device clock runs a few seconds ahead: within the drift tolerance, so not corrected.
    expect(Math.abs(Date.parse(o.time.received) - Date.parse(o.time.effective))).toBeLessThan(120_000);
    expect(o.time.correctionMs).toBe(0);
  }
  const ids = new Set(stored.map((o) => o.id));
  expect(ids.size).toBe(stored.length);
}

describe('virtual cart end to end', () => {
  let cart: VirtualCart | undefined;
  afterEach(async () => {
    await cart?.stop();
    cart = undefined;
  });

  it('delivers every simulated reading to the cloud exactly once, with value, unit, code, patient and time', async () => {
    cart = await startVirtualCart();
    await cart.startGateway();
    await cart.selectPatient(RESIDENTS[0]!.id);
    await waitSubscribed(cart);
    measureAll(cart, 3);
    const c = cart;
    const expected = await waitFor(() => {
      const e = c.expected();
      return e.length >= 4 * 3 ? e : undefined;
    });
    await waitFor(async () => (await c.cloud.store.countObservations({})) >= expected.length, { what: 'all readings in the cloud' });
    // Give a possible duplicate time to show up before judging "exactly once".
    await new Promise((r) => setTimeout(r, 500));
    expectExactlyOnce(expected, await cloudObservations(cart), RESIDENTS[0]!.id);
    const codes = new Set(expected.map((e) => e.draft.code.loinc));
    for (const loinc of ['85354-9', '8867-4', '29463-7', '2708-6', '8310-5']) expect(codes).toContain(loinc);

    // The gateway's store is empty once everything is acknowledged.
    await waitFor(
      async () => {
        const s = (await (await fetch(`${c.gatewayUrl()}/api/status`)).json()) as { backlog?: { pending?: number } };
        return s.backlog?.pending === 0;
      },
      { what: 'gateway backlog to drain' },
    );
  }, 120_000);

  it('keeps readings exactly once when the gateway is SIGKILLed between store and ack', async () => {
    cart = await startVirtualCart({ proxy: true });
    const proxy = cart.proxy!;
    await cart.startGateway();
    await cart.selectPatient(RESIDENTS[1]!.id);
    await waitSubscribed(cart);

    // Phase 1: the cloud stores the batches but its acks never reach the gateway.
    proxy.set('down', 'drop');
    measureAll(cart, 2);
    const c = cart;
    const phase1 = await waitFor(() => (c.expected().length >= 8 ? c.expected().length : 0));
    await waitFor(async () => (await c.cloud.store.countObservations({})) >= phase1, { what: 'cloud to store phase 1' });
    await cart.killGateway('SIGKILL');
    proxy.set('down', 'pass');

    // Phase 2: readings recorded by the gateway but never sent (upstream held), then SIGKILL.
    await cart.startGateway();
    await cart.selectPatient(RESIDENTS[1]!.id);
    await waitSubscribed(cart);
    proxy.set('up', 'drop');
    proxy.cutAll();
    measureAll(cart, 1);
    const phase2 = await waitFor(() => (c.expected().length >= phase1 + 4 ? c.expected().length : 0));
    await waitFor(
      async () => {
        const s = (await (await fetch(`${c.gatewayUrl()}/api/status`)).json()) as { backlog?: { pending?: number } };
        return (s.backlog?.pending ?? 0) >= phase2 - phase1;
      },
      { what: 'gateway to store phase 2 readings' },
    );
    await cart.killGateway('SIGKILL');
    proxy.set('up', 'pass');

    // Restart: everything pending is resent; the cloud stores what it lacks and acks the rest.
    await cart.startGateway();
    await waitFor(async () => (await c.cloud.store.countObservations({})) >= phase2, { what: 'all readings in the cloud after restarts' });
    await waitFor(
      async () => {
        const s = (await (await fetch(`${c.gatewayUrl()}/api/status`)).json()) as { backlog?: { pending?: number } };
        return s.backlog?.pending === 0;
      },
      { what: 'gateway backlog to drain after restart' },
    );
    await new Promise((r) => setTimeout(r, 500));
    expectExactlyOnce(cart.expected(), await cloudObservations(cart), RESIDENTS[1]!.id);
    expect(cart.cloud.ingest.metrics().duplicates).toBeGreaterThan(0);
  }, 180_000);
});
