import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_UNREACHABLE, gatewayStatusCommand } from './gateway-status.js';

const reading = (lane: 'spot' | 'waveform', n: number) => ({
  code: { loinc: '29463-7', display: 'Body weight' },
  value: { value: 60 + n, unit: 'kg' },
  status: 'final' as const,
  flags: [],
  patient: { id: 'p1', assignment: 'home-kit' as const },
  device: { id: 'ble:C0:FF:EE:00:00:02', transport: 'ble' as const },
  time: {
    effective: '2026-11-23T09:00:00.000Z',
    device: null,
    received: '2026-11-23T09:00:00.000Z',
    correctionMs: 0,
    source: 'gateway' as const,
  },
  lane,
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('telecart gateway status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-status-'));
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    const config = resolveGatewayConfig({
      gatewayId: 'status-gw',
      mode: 'home',
      homePatientId: 'p1',
      patients: [{ id: 'p1', family: 'T', given: 'P' }],
      http: { port: 0 },
      store: { maxBytes: 64 * 1024 * 1024 },
    });
    // No broker on port 1: the backlog just stays.
    gw = await startGateway({ config, dataDir: dir, cloudUrl: 'mqtt://127.0.0.1:1' });
    gw.store.recordMany([reading('spot', 1), reading('spot', 2), reading('waveform', 3)]);
  });
  afterAll(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the live backlog by lane from the running gateway, exit 0', async () => {
    const c = capture();
    expect(await gatewayStatusCommand({ url: gw.httpUrl }, c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toMatch(/gateway status-gw: running/);
    expect(text).toMatch(/^spot\s+2\s+0\s+0\s/m);
    expect(text).toMatch(/^waveform\s+1\s+0\s+0\s/m);
    expect(text).toMatch(/^total\s+3\s/m);
    expect(text).toMatch(/cap 64\.0 MiB, waveforms refused past 51\.2 MiB\), level OK/);
    expect(text).toMatch(/sync: DISCONNECTED/);
    expect(text).not.toMatch(/refused by the cloud/);
  });

  it('names the newest reading the cloud refused, with its reason', async () => {
    const seq = gw.store.list('pending', 10).find((r) => r.lane === 'spot')?.seq ?? 0;
    expect(gw.store.markRejected(seq, 'patient-not-served: patient "p1" is not assigned to gateway status-gw')).toBe(true);
    const c = capture();
    expect(await gatewayStatusCommand({ url: gw.httpUrl }, c.io)).toBe(0);
    expect(c.out.join('')).toContain(`refused by the cloud, latest: seq ${seq}: patient-not-served: patient "p1" is not assigned`);
  });

  it('reads the store file read-only when the gateway is down, says so, and exits non-zero', async () => {
    await gw.stop();
    const c = capture();
    expect(await gatewayStatusCommand({ url: gw.httpUrl, dataDir: dir, json: true }, c.io)).toBe(EXIT_UNREACHABLE);
    expect(c.err.join('')).toMatch(/not reachable/);
    const view = JSON.parse(c.out.join(''));
    expect(view).toMatchObject({
      source: 'store-file',
      gatewayId: 'status-gw',
      lanes: { spot: { pending: 1, rejected: 1 }, waveform: { pending: 1 } },
    });
    const none = capture();
    expect(await gatewayStatusCommand({ url: gw.httpUrl }, none.io)).toBe(EXIT_UNREACHABLE);
    expect(none.out).toEqual([]);
  });
});
