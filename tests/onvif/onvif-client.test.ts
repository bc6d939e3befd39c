/**
 * The ONVIF client (devices/src/onvif on the `onvif` package) and a second, independent client
 * (node-onvif) against the simulated camera over real HTTP and UDP on loopback: identity, profiles,
 * URIs, every PTZ operation, presets, both authentications, the dead-man rule, the camera that
 * refuses Stop, the camera whose clock is 10 minutes off, WS-Discovery, and malformed input.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { discoverCameras, OnvifCamera, OnvifError } from '@telecart/devices';
import { passwordDigest, type SimCamera, type SimCameraOptions, startSimCamera } from '@telecart/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../cloud/src/testing/mosquitto.js';

const require = createRequire(import.meta.url);
interface NodeOnvifDevice {
  init(): Promise<unknown>;
  getInformation(): { Manufacturer: string; Model: string; SerialNumber: string };
  ptzMove(p: { speed: { x: number; y: number; z: number }; timeout: number }): Promise<void>;
  ptzStop(): Promise<void>;
}
const { OnvifDevice } = require('node-onvif') as { OnvifDevice: new (p: { xaddr: string; user: string; pass: string }) => NodeOnvifDevice };

const cameras: SimCamera[] = [];
const clients: OnvifCamera[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const c of cameras.splice(0)) await c.stop();
});

async function camera(opts: SimCameraOptions = {}): Promise<SimCamera> {
  const c = await startSimCamera({ users: [{ username: 'nurse', password: 'p4ss-word' }], ...opts });
  cameras.push(c);
  return c;
}

async function client(cam: SimCamera, extra: Partial<Parameters<typeof OnvifCamera.connect>[0]> = {}): Promise<OnvifCamera> {
  const c = await OnvifCamera.connect({ url: cam.deviceServiceUrl, username: 'nurse', password: 'p4ss-word', ...extra });
  clients.push(c);
  return c;
}

async function until(f: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function soap(body: string, header = ''): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

function usernameToken(user: string, password: string, createdMs: number): string {
  const nonce = randomBytes(16);
  const created = new Date(createdMs).toISOString();
  return `<Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken><Username>${user}</Username><Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, password)}</Password><Nonce>${nonce.toString('base64')}</Nonce><Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created></UsernameToken></Security>`;
}

async function post(url: string, xml: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: xml });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('ONVIF client against the simulated camera', () => {
  it('reads identity, profiles and URIs', async () => {
    const cam = await camera({ streamUri: 'rtsp://127.0.0.1:8554/main' });
    const c = await client(cam);
    expect(await c.deviceInformation()).toEqual({
      manufacturer: 'telecart',
      model: 'SimPTZ-1',
      firmwareVersion: '1.0.0',
      serialNumber: cam.identity.serialNumber,
      hardwareId: 'sim-ptz',
    });
    expect(await c.profiles()).toEqual([{ token: 'main', name: 'main', encoding: 'H264', width: 640, height: 360, hasPtz: true }]);
    expect(await c.streamUri()).toBe('rtsp://127.0.0.1:8554/main');
    expect(await c.snapshotUri()).toBe(cam.snapshotUrl);
    expect(Math.abs(c.clockOffsetMs)).toBeLessThan(2000);
  });

  it('moves continuously, relatively and absolutely, reports status, and stops', async () => {
    const cam = await camera();
    const c = await client(cam, { deadManMs: 5000 });
    await c.continuousMove({ pan: 1, zoom: 0.5 });
    await until(async () => (await c.status()).position.pan > 0.05, 'the camera to pan right');
    const moving = await c.status();
    expect(moving.moving).toEqual({ panTilt: true, zoom: true });
    await c.stop();
    const stopped = await c.status();
    expect(stopped.moving).toEqual({ panTilt: false, zoom: false });
    await new Promise((r) => setTimeout(r, 100));
    expect((await c.status()).position).toEqual(stopped.position);
    expect(cam.calls.get('Stop')).toBe(1);

    await c.absoluteMove({ pan: -0.4, tilt: 0.3, zoom: 0.2 });
    await until(async () => !(await c.status()).moving.panTilt && !(await c.status()).moving.zoom, 'the absolute move to end');
    expect((await c.status()).position).toEqual({ pan: -0.4, tilt: 0.3, zoom: 0.2 });
    await c.relativeMove({ pan: 0.1, tilt: -0.1 });
    await until(async () => !(await c.status()).moving.panTilt, 'the relative move to end');
    const p = (await c.status()).position;
    expect(p.pan).toBeCloseTo(-0.3, 5);
    expect(p.tilt).toBeCloseTo(0.2, 5);
    await expect(c.absoluteMove({ pan: 3 })).rejects.toThrow(/outside/);
  });

  it('sets, lists, goes to and removes presets; refuses unsafe preset names', async () => {
    const cam = await camera();
    const c = await client(cam);
    await c.absoluteMove({ pan: 0.5, tilt: -0.2, zoom: 0.1 });
    await until(() => cam.ptz.moveStatus().panTilt === 'IDLE' && cam.ptz.moveStatus().zoom === 'IDLE', 'the move to end');
    const bed = await c.setPreset('lit patient');
    await c.absoluteMove({ pan: 0, tilt: 0, zoom: 0 });
    await until(() => cam.ptz.moveStatus().panTilt === 'IDLE' && cam.ptz.moveStatus().zoom === 'IDLE', 'the move to end');
    expect(await c.presets()).toEqual([{ token: bed, name: 'lit patient' }]);
    await c.gotoPreset(bed);
    await until(() => cam.ptz.moveStatus().panTilt === 'IDLE' && cam.ptz.moveStatus().zoom === 'IDLE', 'the preset to be reached');
    expect(cam.ptz.position()).toEqual({ pan: 0.5, tilt: -0.2, zoom: 0.1 });
    await c.removePreset(bed);
    expect(await c.presets()).toEqual([]);
    await expect(c.setPreset('<x/>')).rejects.toBeInstanceOf(OnvifError);
    await expect(c.gotoPreset(bed)).rejects.toThrow(/GotoPreset/);
  });

  it('dead-man rule: a continuous move stops when commands stop arriving', async () => {
    const cam = await camera();
    const c = await client(cam, { deadManMs: 500 });
    await c.continuousMove({ pan: -1 });
    await until(() => cam.ptz.moveStatus().panTilt === 'MOVING', 'the move to start');
    await until(() => cam.calls.get('Stop') === 1, 'the dead-man stop');
    expect(cam.ptz.moveStatus().panTilt).toBe('IDLE');
    // Refreshed commands keep it moving past the grace period.
    await c.continuousMove({ pan: 1 });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await c.continuousMove({ pan: 1 });
    }
    expect(cam.ptz.moveStatus().panTilt).toBe('MOVING');
    expect(cam.calls.get('Stop')).toBe(1);
    await until(() => cam.calls.get('Stop') === 2, 'the second dead-man stop');
  });

  it('stops a camera that refuses Stop with a zero-velocity move', async () => {
    const cam = await camera({ refuseStop: true });
    const c = await client(cam, { deadManMs: 5000 });
    await c.continuousMove({ tilt: 1 });
    await until(() => cam.ptz.moveStatus().panTilt === 'MOVING', 'the move to start');
    await c.stop();
    expect(cam.ptz.moveStatus().panTilt).toBe('IDLE');
    expect(c.refusesStop).toBe(true);
    expect(cam.calls.get('Stop')).toBe(1);
    expect(cam.calls.get('ContinuousMove')).toBe(2);
    await c.continuousMove({ tilt: -1 });
    await c.stop();
    expect(cam.calls.get('Stop')).toBe(1);
    expect(cam.ptz.moveStatus().panTilt).toBe('IDLE');
  });

  it('applies the clock offset of a camera 10 minutes ahead; an unshifted token is refused', async () => {
    const cam = await camera({ clockOffsetMs: 10 * 60_000 });
    const c = await client(cam);
    expect(Math.abs(c.clockOffsetMs - 600_000)).toBeLessThan(2000);
    expect((await c.deviceInformation()).model).toBe('SimPTZ-1');
    const stale = await post(
      cam.deviceServiceUrl,
      soap('<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>', usernameToken('nurse', 'p4ss-word', Date.now())),
    );
    expect(stale.status).toBe(400);
    expect(stale.text).toMatch(/ter:NotAuthorized/);
    const shifted = await post(
      cam.deviceServiceUrl,
      soap(
        '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>',
        usernameToken('nurse', 'p4ss-word', Date.now() + 600_000),
      ),
    );
    expect(shifted.status).toBe(200);
  });

  it('authenticates with HTTP Digest only, and refuses wrong or missing credentials', async () => {
    const cam = await camera({ auth: 'digest' });
    const c = await client(cam, { useWsSecurity: false });
    expect((await c.deviceInformation()).manufacturer).toBe('telecart');
    const anonymous = await post(cam.deviceServiceUrl, soap('<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Digest realm=.*algorithm=SHA-256/);
    // GetSystemDateAndTime needs no credentials (ONVIF Core).
    expect((await post(cam.deviceServiceUrl, soap('<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>'))).status).toBe(
      200,
    );
    const wsseCam = await camera({ auth: 'wsse' });
    await expect(
      OnvifCamera.connect({ url: wsseCam.deviceServiceUrl, username: 'nurse', password: 'wrong' }).then((x) => x.deviceInformation()),
    ).rejects.toThrow(/GetDeviceInformation/);
  });

  it('answers malformed SOAP with a fault and keeps serving', async () => {
    const bad: string[] = [];
    const cam = await camera({ onMalformed: (r) => bad.push(r) });
    const r1 = await post(cam.ptzServiceUrl, '<<<not xml');
    expect(r1.status).toBe(400);
    expect(r1.text).toMatch(/s:Sender/);
    const r2 = await post(cam.ptzServiceUrl, soap(''));
    expect(r2.status).toBe(400);
    const tok = usernameToken('nurse', 'p4ss-word', Date.now());
    const r3 = await post(
      cam.ptzServiceUrl,
      soap(
        '<ContinuousMove xmlns="http://www.onvif.org/ver20/ptz/wsdl"><ProfileToken>main</ProfileToken><Velocity><PanTilt x="fast" y="0"/></Velocity></ContinuousMove>',
        tok,
      ),
    );
    expect(r3.status).toBe(400);
    expect(r3.text).toMatch(/InvalidVelocity/);
    expect(bad.length).toBe(2);
    const c = await client(cam);
    expect((await c.status()).moving.panTilt).toBe(false);
  });

  it('is found by a WS-Discovery probe and survives garbage datagrams', async () => {
    const port = await freePort();
    const bad: string[] = [];
    const cam = await camera({
      discovery: { host: '127.0.0.1', port },
      identity: { name: 'cart chambre 12' },
      onMalformed: (r) => bad.push(r),
    });
    const junk = createSocket('udp4');
    await new Promise<void>((r) => junk.send(Buffer.from('\u0000garbage<'), port, '127.0.0.1', () => r()));
    junk.close();
    const found = await discoverCameras({ targets: [{ host: '127.0.0.1', port }], timeoutMs: 500 });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      endpointReference: cam.identity.endpointReference,
      xaddrs: [cam.deviceServiceUrl],
      name: 'cart chambre 12',
      hardware: 'SimPTZ-1',
    });
    expect(found[0]?.types).toContain('dn:NetworkVideoTransmitter');
    expect(bad).toHaveLength(1);
  });

  it('serves a snapshot whose picture changes when the camera moves', async () => {
    const cam = await camera({ auth: 'none' });
    const before = Buffer.from(await (await fetch(cam.snapshotUrl as string)).arrayBuffer());
    expect(before.subarray(0, 2).toString('hex')).toBe('ffd8');
    cam.ptz.absoluteMove({ pan: 0.7 });
    await until(() => cam.ptz.moveStatus().panTilt === 'IDLE', 'the move to end');
    const after = Buffer.from(await (await fetch(cam.snapshotUrl as string)).arrayBuffer());
    expect(after.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(after.equals(before)).toBe(false);
  });

  it('is driven by a second, independent client (node-onvif)', async () => {
    const cam = await camera();
    const dev = new OnvifDevice({ xaddr: cam.deviceServiceUrl, user: 'nurse', pass: 'p4ss-word' });
    await dev.init();
    expect(dev.getInformation()).toMatchObject({ Manufacturer: 'telecart', Model: 'SimPTZ-1', SerialNumber: cam.identity.serialNumber });
    await dev.ptzMove({ speed: { x: 0.5, y: 0.5, z: 0 }, timeout: 5 });
    await until(() => cam.ptz.position().pan > 0.02, 'node-onvif to pan the camera');
    await dev.ptzStop();
    expect(cam.ptz.moveStatus()).toEqual({ panTilt: 'IDLE', zoom: 'IDLE' });
    expect(cam.ptz.position().tilt).toBeGreaterThan(0);
  });
});
