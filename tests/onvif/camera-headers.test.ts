/**
 * Every reply of the simulated camera, HTTP and RTSP alike, writes its header names as real cameras
 * do (`Content-Type`, `Content-Length`, `WWW-Authenticate`, `CSeq`, `Content-Base`): embedded clients
 * such as libonvif match them byte for byte. Read over raw sockets on loopback, so the names are
 * exactly those on the wire: successes, SOAP faults, authentication challenges, Fastify's own
 * errors (not found, wrong media type), the snapshot, and each RTSP method and error.
 */
import { connect } from 'node:net';
import { type SimCamera, startSimCamera } from '@telecart/firmware-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVENTIONAL_HEADER, type RtspReply, rawHttp, rtspCapture, soapEnvelope } from './camera-probes.js';

/** One raw RTSP exchange: `request` written as is, the reply's status and header names. */
async function rawRtsp(port: number, request: string): Promise<RtspReply> {
  const sock = connect(port, '127.0.0.1');
  sock.write(request);
  let text = '';
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve();
    });
    sock.once('error', reject);
  });
  sock.destroy();
  const [line = '', ...lines] = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  return {
    status: Number(line.split(' ')[1]),
    headers: lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')), ''] as [string, string]),
    body: '',
  };
}

function names(r: RtspReply): string[] {
  return r.headers.map(([k]) => k);
}

describe('header names on every reply of the simulated camera', () => {
  let cam: SimCamera;
  beforeAll(async () => {
    cam = await startSimCamera({ auth: 'digest', stream: { width: 320, height: 240, fps: 10 } });
  }, 30_000);
  afterAll(async () => {
    await cam?.stop();
  });

  it('HTTP: SOAP replies, faults, challenges, errors and the snapshot', async () => {
    const device = cam.deviceServiceUrl;
    const replies: Record<string, RtspReply> = {
      'GetSystemDateAndTime (200)': await rawHttp(device, 'POST', soapEnvelope('<tds:GetSystemDateAndTime/>')),
      'GetDeviceInformation without credentials (401)': await rawHttp(device, 'POST', soapEnvelope('<tds:GetDeviceInformation/>')),
      'malformed XML (400 fault)': await rawHttp(device, 'POST', '<s:Envelope><s:Body>'),
      'application/octet-stream (415)': await rawHttp(device, 'POST', 'hello', 'application/octet-stream'),
      'unknown path (404)': await rawHttp(device.replace('device_service', 'nothing'), 'GET'),
      'snapshot without credentials (401)': await rawHttp(cam.snapshotUrl as string, 'GET'),
    };
    const statuses = Object.fromEntries(Object.entries(replies).map(([k, r]) => [k, r.status]));
    expect(statuses).toEqual({
      'GetSystemDateAndTime (200)': 200,
      'GetDeviceInformation without credentials (401)': 401,
      'malformed XML (400 fault)': 400,
      'application/octet-stream (415)': 415,
      'unknown path (404)': 404,
      'snapshot without credentials (401)': 401,
    });
    for (const [what, r] of Object.entries(replies)) {
      for (const name of names(r)) expect(name, `${what}: header ${name}`).toMatch(CONVENTIONAL_HEADER);
      for (const name of [...(r.body ? ['Content-Type'] : []), 'Content-Length', 'Date', 'Server'])
        expect(names(r), `${what}: ${name}`).toContain(name);
    }
    expect(names(replies['GetDeviceInformation without credentials (401)'] as RtspReply)).toContain('WWW-Authenticate');
  });

  it('RTSP: each method, and the errors', async () => {
    const uri = cam.streamUri as string;
    const port = Number(new URL(uri).port);
    const wire = await rtspCapture(uri, 200);
    const replies: Record<string, RtspReply> = {
      ...wire.replies,
      'unknown path (404)': await rawRtsp(port, `DESCRIBE rtsp://127.0.0.1:${port}/other RTSP/1.0\r\nCSeq: 9\r\n\r\n`),
      'unknown method (405)': await rawRtsp(port, `RECORD ${uri} RTSP/1.0\r\nCSeq: 10\r\n\r\n`),
      'not a request (400)': await rawRtsp(port, 'hello there\r\n\r\n'),
    };
    expect(Object.values(replies).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 404, 405, 400]);
    for (const [what, r] of Object.entries(replies)) {
      for (const name of names(r)) expect(name, `${what}: header ${name}`).toMatch(CONVENTIONAL_HEADER);
      expect(names(r), what).toContain('Server');
      if (!what.includes('400')) expect(names(r), what).toContain('CSeq');
    }
    expect(names(replies.DESCRIBE as RtspReply)).toEqual(expect.arrayContaining(['Content-Base', 'Content-Type', 'Content-Length']));
    expect(names(replies.SETUP as RtspReply)).toEqual(expect.arrayContaining(['Transport', 'Session']));
    expect(names(replies.OPTIONS as RtspReply)).toContain('Public');
    expect(names(replies['unknown method (405)'] as RtspReply)).toContain('Allow');
  });
});
