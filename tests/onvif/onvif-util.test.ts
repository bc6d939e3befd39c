/**
 * The simulated camera through libonvif's `onvif-util` (Debian package onvif-tools) and as a client
 * on another machine sees it when it listens on every address (`telecart sim camera --host 0.0.0.0`).
 *
 * onvif-util finds a camera only by WS-Discovery (multicast to 239.255.255.250:3702, multicast loop
 * off) and reads replies with strstr("Content-Length: "): it could not read the simulator's lower-case
 * header names. The test re-runs itself inside a network namespace whose only interface is `lo`, with
 * multicast routed to `lo`, so the probe and everything else stay on that loopback (root needed).
 * There, 127.0.0.2 stands for "the camera's address as another machine reaches it": every URL the
 * camera hands out must carry the address the client used, never 0.0.0.0.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type SimCamera, startSimCamera } from '@telecart/firmware-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runIn } from '../support/netns-media.js';
import { type ServiceChild, startServiceChild } from '../support/service-child.js';
import { ffmpegDecode, haveTool, rtspCapture, soapCall, xmlText } from './camera-probes.js';

const run = promisify(execFile);
const INSIDE_ENV = 'TELECART_TEST_NETNS_ONVIF_UTIL';
const inside = process.env[INSIDE_ENV] !== undefined;
const tools = haveTool('onvif-util', '-v') && haveTool('ffmpeg');
const root = process.getuid?.() === 0;
if (!tools)
  console.warn(
    'onvif-util.test.ts skipped: needs onvif-util and ffmpeg (Debian packages onvif-tools, ffmpeg; scripts/setup.sh installs them)',
  );
else if (!root && !inside) console.warn('onvif-util.test.ts skipped: needs root for its network namespace');

describe.skipIf(!tools || !root || inside)('onvif-util and --host 0.0.0.0 (re-run inside a network namespace with only lo)', () => {
  it('passes inside the namespace', async () => {
    const ns = `tcou${process.pid % 100_000}`;
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await run('ip', ['netns', 'add', ns]);
    try {
      // lo up, multicast on lo: onvif-util's WS-Discovery probe never leaves the namespace.
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up', 'multicast', 'on']);
      await run('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo']);
      const r = await runIn(ns, [process.execPath, 'node_modules/vitest/vitest.mjs', 'run', 'tests/onvif/onvif-util.test.ts'], {
        [INSIDE_ENV]: ns,
      });
      if (r.code !== 0) console.error(r.output);
      expect(r.code).toBe(0);
      expect(r.output).toMatch(/Tests\s+.*3 passed/);
    } finally {
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
  }, 120_000);
});

/** onvif-util's interactive session: the commands on stdin, its whole output. */
function onvifUtil(args: string[], commands: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const c = spawn('onvif-util', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    c.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const kill = setTimeout(() => c.kill('SIGKILL'), 20_000);
    c.once('close', (code) => {
      clearTimeout(kill);
      resolve({ code, output });
    });
    c.stdin.end(`${[...commands, 'quit'].join('\n')}\n`);
  });
}

describe.skipIf(!inside)('inside the namespace', () => {
  const cameras: SimCamera[] = [];
  afterEach(async () => {
    for (const c of cameras.splice(0)) await c.stop();
  });

  it('onvif-util finds the camera, logs in (WS-UsernameToken) and reads identity, profiles, the running encoder and the stream URI', async () => {
    const video = { width: 320, height: 240, fps: 10, bitrateKbps: 250, govLength: 20 };
    const cam = await startSimCamera({ users: [{ username: 'nurse', password: 'p4ss-word' }], discovery: true, stream: video });
    cameras.push(cam);
    const { code, output } = await onvifUtil(
      ['-u', 'nurse', '-p', 'p4ss-word', '127.0.0.1'],
      ['get profiles', 'get video', 'get video options', 'get rtsp', 'get time'],
    );
    expect(output).not.toMatch(/ERROR|No XML reply/);
    expect(code).toBe(0);
    expect(output).toContain('found host: 127.0.0.1');
    expect(output).toContain('successfully connected to host');
    expect(output).toContain(`name:   ${cam.identity.name} ${cam.identity.model}`);
    expect(output).toContain(`serial: ${cam.identity.serialNumber}`);
    expect(output).toContain('Token 0: main');
    expect(output).toContain(`Resolution: ${video.width} x ${video.height}`);
    expect(output).toContain(`Frame Rate: ${video.fps}`);
    expect(output).toContain(`Gov Length: ${video.govLength}`);
    expect(output).toMatch(new RegExp(`Bit Rate:\\s+${video.bitrateKbps}\\n`));
    expect(output).toContain(`Max Gov Length: ${video.govLength}`);
    expect(output).toContain('Time Set By: Manual');
    // The URI onvif-util got plays clean in ffmpeg.
    const uri = /(rtsp:\/\/\S+)/.exec(output)?.[1];
    expect(uri).toBe(cam.streamUri);
    const d = await ffmpegDecode(uri as string, 'tcp', 2);
    expect(d.errors).toBe('');
    expect(d.frames).toBeGreaterThan(0);
    expect({ width: d.width, height: d.height }).toEqual({ width: video.width, height: video.height });

    // A wrong password is refused (the assertions above are not met by any reply).
    const wrong = await onvifUtil(['-u', 'nurse', '-p', 'wrong', '127.0.0.1'], ['get profiles']);
    expect(wrong.output).toMatch(/ERROR/);
  }, 60_000);

  describe('telecart sim camera --host 0.0.0.0', () => {
    let dir: string;
    let child: ServiceChild;
    let port: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'telecart-cam-'));
      child = await startServiceChild('sim-camera', ['sim', 'camera', '--host', '0.0.0.0', '--auth', 'none', '--discovery'], {
        main: 'cli/dist/main.js',
        logFile: join(dir, 'sim-camera.log'),
      });
      // What the command prints for this machine's own use: loopback, not 0.0.0.0.
      const printed = new URL(String(child.info.deviceServiceUrl));
      expect(printed.hostname).toBe('127.0.0.1');
      expect(String(child.info.streamUri)).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/stream$/);
      port = Number(printed.port);
    }, 60_000);

    afterAll(async () => {
      await child?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('every XAddr and URI carries the address the client reached it at, and the stream plays there', async () => {
      for (const host of ['127.0.0.2', '127.0.0.1']) {
        const device = `http://${host}:${port}/onvif/device_service`;
        const caps = await soapCall(device, '<tds:GetCapabilities/>');
        const services = await soapCall(device, '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>');
        const xaddrs = [...`${caps}${services}`.matchAll(/<(?:\w+:)?XAddr>([^<]*)</g)].map((m) => m[1] ?? '');
        expect(xaddrs.length).toBeGreaterThanOrEqual(6);
        for (const x of xaddrs) expect(x.startsWith(`http://${host}:${port}/onvif/`)).toBe(true);
        const media = `http://${host}:${port}/onvif/media_service`;
        const profile = '<trt:ProfileToken>main</trt:ProfileToken>';
        const stream = xmlText(await soapCall(media, `<trt:GetStreamUri>${profile}</trt:GetStreamUri>`), 'Uri') ?? '';
        const snapshot = xmlText(await soapCall(media, `<trt:GetSnapshotUri>${profile}</trt:GetSnapshotUri>`), 'Uri') ?? '';
        expect(stream).toMatch(new RegExp(`^rtsp://${host.replace(/\./g, '\\.')}:\\d+/stream$`));
        expect(snapshot).toBe(`http://${host}:${port}/onvif/snapshot.jpg`);

        // RTSP: Content-Base and the SDP's connection address are the one used too.
        const wire = await rtspCapture(stream, 300);
        const base = wire.replies.DESCRIBE?.headers.find(([k]) => k === 'Content-Base')?.[1];
        expect(base).toBe(`${stream}/`);
        expect(wire.sdp).toContain(`c=IN IP4 ${host}`);
        const d = await ffmpegDecode(stream, 'tcp', 1);
        expect(d.errors).toBe('');
        expect(d.frames).toBeGreaterThan(0);
      }
    }, 60_000);

    it('WS-Discovery answers with XAddrs on the prober’s network, and onvif-util finds and reads the camera', async () => {
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      const reply = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())));
      sock.send(
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:MessageID>urn:uuid:1</a:MessageID></s:Header><s:Body><d:Probe/></s:Body></s:Envelope>',
        3702,
        '127.0.0.1',
      );
      const matches = await reply;
      sock.close();
      expect(xmlText(matches, 'XAddrs')).toBe(`http://127.0.0.1:${port}/onvif/device_service`);

      const { code, output } = await onvifUtil(['-u', 'admin', '-p', 'admin', '127.0.0.1'], ['get rtsp']);
      expect(output).not.toMatch(/ERROR|No XML reply/);
      expect(code).toBe(0);
      expect(output).toContain('successfully connected to host');
      expect(output).toMatch(/rtsp:\/\/127\.0\.0\.1:\d+\/stream/);
    }, 30_000);
  });
});
