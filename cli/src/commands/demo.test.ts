import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '@telecart/cloud';
import { resolveGatewayConfig } from '@telecart/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoActs } from '../demo/demo-agenda.js';
import { type StartedChild, startChild, stopChildren } from '../runtime/children.js';
import { resolveCloudConfig } from './cloud.js';
import {
  DEMO_CONTACTS,
  DEMO_SITE_ADMIN,
  type DemoDevices,
  type DemoGatewayRun,
  demoCloudConfig,
  demoGatewayConfig,
  demoIceAddresses,
} from './demo.js';
import { EXIT_UNREACHABLE, gatewayStatusCommand } from './gateway-status.js';

const EHPAD = fileURLToPath(new URL('../../../configs/ehpad-cart.yaml', import.meta.url));
const CLOUD = fileURLToPath(new URL('../../../configs/cloud.yaml', import.meta.url));
const CLI_DIST = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'telecart-demo-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const devices: DemoDevices = {
  serial: { nonin: '/dev/pts/90', ecg: '/dev/pts/91' },
  camera: { url: 'http://127.0.0.1:41000/onvif/device_service', username: 'telecart', password: 'run-secret' },
  stethoscope: { server: 'unix:/run/pulse-demo/native', source: 'telecart-stethoscope.monitor' },
};

const run: DemoGatewayRun = { httpPort: 18_081, storeDir: join(dir, 'gateway') };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('the demo gateway configuration', () => {
  it('puts the simulated camera, stethoscope and serial devices in the example cart config, and it validates', () => {
    const { file, iceAddresses } = demoGatewayConfig(EHPAD, dir, devices, run);
    const config = resolveGatewayConfig(parse(readFileSync(file, 'utf8')));
    // The example's own camera address is replaced: the demo is the virtual cart.
    expect(config.camera).toMatchObject(devices.camera);
    expect(config.media.video.source).toBe('camera');
    expect(config.media.audio.source).toBe('stethoscope');
    expect(config.media.conversation.simulated).toBe(true);
    expect(config.audio.stethoscope).toMatchObject({
      enabled: true,
      pulseServer: devices.stethoscope?.server,
      pulseDevice: devices.stethoscope?.source,
    });
    expect(config.serial.devices.map((d) => [d.format, d.path])).toEqual([
      ['nonin-df7', '/dev/pts/90'],
      ['openeeg-p2', '/dev/pts/91'],
    ]);
    expect(config.media.ice.hostAddresses).toEqual(iceAddresses);
    expect(iceAddresses).toEqual(demoIceAddresses());
    // The file given is left untouched.
    expect(readFileSync(EHPAD, 'utf8')).toContain('192.168.10.20');
  });

  it('sends a test tone when there is no stethoscope, and keeps ICE addresses the config sets', () => {
    const own = join(dir, 'own.yaml');
    writeFileSync(
      own,
      'gatewayId: cart-own\nmode: cart\npatients: [{ id: p1, family: A, given: B }]\nmedia: { ice: { hostAddresses: [192.0.2.10] } }\n',
    );
    const { file, iceAddresses } = demoGatewayConfig(own, dir, { ...devices, stethoscope: null }, run);
    const config = resolveGatewayConfig(parse(readFileSync(file, 'utf8')));
    expect(config.media.audio.source).toBe('test');
    expect(config.audio.stethoscope.enabled).toBe(false);
    expect(iceAddresses).toEqual(['192.0.2.10']);
    expect(config.media.ice.hostAddresses).toEqual(['192.0.2.10']);
  });

  it('carries the port and store the gateway runs with: `telecart gateway status --config` on it finds both', async () => {
    const own = join(dir, 'status.yaml');
    writeFileSync(own, 'gatewayId: cart-demo-status\nmode: cart\npatients: [{ id: p1, family: A, given: B }]\n');
    const storeDir = join(dir, 'status-store');
    const { file } = demoGatewayConfig(
      own,
      dir,
      { ...devices, serial: { nonin: null, ecg: null }, stethoscope: null },
      {
        httpPort: await freePort(),
        storeDir,
      },
    );
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    let gateway: StartedChild | undefined;
    try {
      // As the demo starts it: the port and the data directory come from the file alone.
      gateway = await startChild('gateway', ['gateway', '--config', file, '--cloud', `mqtt://127.0.0.1:${await freePort()}`], {
        logFile: join(dir, 'status-gateway.log'),
        main: CLI_DIST,
      });
      expect(await gatewayStatusCommand({ config: file }, io), err.join('')).toBe(0);
      expect(out.join('')).toMatch(/^gateway cart-demo-status: running, status from http:\/\/127\.0\.0\.1:\d+/);
      expect(existsSync(join(storeDir, 'gateway.sqlite'))).toBe(true);
    } finally {
      if (gateway) await stopChildren([gateway]);
    }
    // Stopped: the backlog is read from the store the file names.
    out.length = 0;
    expect(await gatewayStatusCommand({ config: file, timeoutMs: 500 }, io)).toBe(EXIT_UNREACHABLE);
    expect(out.join('')).toContain(`NOT REACHABLE; backlog read from the store file ${join(storeDir, 'gateway.sqlite')}`);
  }, 60_000);

  it('offers the non-loopback IPv4 addresses, loopback only when there is none', () => {
    const lo = {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: null,
    } as const;
    const eth = {
      address: '192.0.2.7',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: null,
    } as const;
    const v6 = {
      address: 'fe80::1',
      netmask: 'ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: null,
      scopeid: 2,
    } as const;
    expect(demoIceAddresses({ lo: [lo], eth0: [eth, v6] })).toEqual(['192.0.2.7']);
    expect(demoIceAddresses({ lo: [lo] })).toEqual(['127.0.0.1']);
  });
});

describe('the demo cloud configuration', () => {
  it('dates every telemonitoring enrolment the day the demo starts, with the ports and data directory of the run', () => {
    const startedAt = new Date('2026-12-05T23:30:00Z'); // already the 6th in Paris
    const { file, enrolledOn } = demoCloudConfig(CLOUD, dir, { httpPort: 18_080, mqttPort: 11_883, startedAt });
    expect(enrolledOn).toBe('2026-12-06');
    const config = resolveCloudConfig({ config: file });
    const enrolled = config.patients.filter((p) => p.telemonitoring !== undefined);
    expect(enrolled.length).toBeGreaterThan(0);
    // No enrolment older than the demo: no "no weight for N days" for a patient it never measured.
    expect(enrolled.map((p) => p.telemonitoring?.since)).toEqual(enrolled.map(() => '2026-12-06'));
    expect(config).toMatchObject({ httpPort: 18_080, mqttPort: 11_883, dataDir: join(dir, 'cloud') });
    // Thresholds and everything else are the shipped ones; the shipped file is left untouched.
    expect(enrolled[0]?.telemonitoring?.thresholds).toMatchObject({ 'hf-no-weight': { days: 2 } });
    expect(readFileSync(CLOUD, 'utf8')).toContain('since: "2026-01-05"');
  });

  it("sends the outbox to the run's mail catcher, gives the cart's site, the specialist and the home patient contacts, and the specialist the run's API token", () => {
    const token = 'a'.repeat(64);
    const { file } = demoCloudConfig(CLOUD, dir, {
      httpPort: 18_080,
      mqttPort: 11_883,
      startedAt: new Date('2026-12-06T08:00:00Z'),
      mail: { smtpPort: 2525, smsUrl: 'http://127.0.0.1:8025/sms', smsKeyEnv: 'TELECART_DEMO_SMS_KEY', cart: 'ehpad-les-tilleuls-cart-1' },
      specialistTokenSha256: token,
    });
    const config = resolveCloudConfig({ config: file });
    expect(config.outbox?.email).toMatchObject({ host: '127.0.0.1', port: 2525, tls: 'none' });
    expect(config.outbox?.sms).toMatchObject({ provider: 'brevo', url: 'http://127.0.0.1:8025/sms', apiKeyEnv: 'TELECART_DEMO_SMS_KEY' });
    const tc = config.teleconsult;
    expect(tc?.specialists?.find((x) => x.id === 'dr-demo')).toMatchObject({ ...DEMO_CONTACTS.specialist, tokenSha256: token });
    // The desk of the cart's site only: the home kit's site has none, so the patient at home is told directly.
    expect(tc?.sites?.map((x) => [x.id, x.contact])).toEqual([
      ['ehpad-demo', DEMO_CONTACTS.site],
      ['home-demo', undefined],
    ]);
    expect(config.patients.filter((p) => p.telecom !== undefined).map((p) => [p.id, p.telecom])).toEqual([
      ['home-hf-001', DEMO_CONTACTS.homePatient],
    ]);
  });
});

describe('the demo site administrator', () => {
  it('is a site-admin of both demo sites whose password is the one the demo prints', async () => {
    const config = resolveCloudConfig({ config: CLOUD });
    const admin = config.teleconsult?.specialists?.find((x) => x.id === DEMO_SITE_ADMIN.id);
    expect(admin).toMatchObject({ role: 'site-admin', sites: ['ehpad-demo', 'home-demo'] });
    expect(await verifyPassword(DEMO_SITE_ADMIN.password, admin?.passwordHash ?? '')).toBe(true);
  });
});

describe("the virtual nurse's day", () => {
  it('books one act in about 10 minutes, one later today and one tomorrow, on whole 5 minutes, for the first patients', () => {
    const acts = demoActs(new Date('2026-12-06T08:52:51Z'), 'cart-1', [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }], 'dr-x');
    expect(acts.map((a) => [a.patient, a.start, a.minutes])).toEqual([
      ['a', '2026-12-06T09:05:00.000Z', 20],
      ['b', '2026-12-06T10:55:00.000Z', 20],
      ['c', '2026-12-07T08:55:00.000Z', 30],
    ]);
    expect(new Set(acts.map((a) => `${a.gateway} ${a.specialist}`))).toEqual(new Set(['cart-1 dr-x']));
    expect(demoActs(new Date('2026-12-06T08:50:00Z'), 'cart-1', [{ id: 'a' }], 'dr-x').map((a) => a.start)).toEqual([
      '2026-12-06T09:00:00.000Z',
    ]);
  });
});
