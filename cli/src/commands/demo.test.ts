import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveGatewayConfig } from '@telecart/gateway';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type DemoDevices, demoGatewayConfig, demoIceAddresses } from './demo.js';

const EHPAD = fileURLToPath(new URL('../../../configs/ehpad-cart.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'telecart-demo-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const devices: DemoDevices = {
  serial: { nonin: '/dev/pts/90', ecg: '/dev/pts/91' },
  camera: { url: 'http://127.0.0.1:41000/onvif/device_service', username: 'telecart', password: 'run-secret' },
  stethoscope: { server: 'unix:/run/pulse-demo/native', source: 'telecart-stethoscope.monitor' },
};

describe('the demo gateway configuration', () => {
  it('puts the simulated camera, stethoscope and serial devices in the example cart config, and it validates', () => {
    const { file, iceAddresses } = demoGatewayConfig(EHPAD, dir, devices);
    const config = resolveGatewayConfig(parse(readFileSync(file, 'utf8')));
    // The example's own camera address is replaced: the demo is the virtual cart.
    expect(config.camera).toMatchObject(devices.camera);
    expect(config.media.video.source).toBe('camera');
    expect(config.media.audio.source).toBe('stethoscope');
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
    const { file, iceAddresses } = demoGatewayConfig(own, dir, { ...devices, stethoscope: null });
    const config = resolveGatewayConfig(parse(readFileSync(file, 'utf8')));
    expect(config.media.audio.source).toBe('test');
    expect(config.audio.stethoscope.enabled).toBe(false);
    expect(iceAddresses).toEqual(['192.0.2.10']);
    expect(config.media.ice.hostAddresses).toEqual(['192.0.2.10']);
  });

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
