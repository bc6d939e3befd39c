/**
 * A simulated ONVIF PTZ camera: Device, Media and PTZ SOAP services over HTTP, WS-UsernameToken and
 * HTTP Digest authentication, a WS-Discovery responder, pan/tilt/zoom that moves with bounded
 * velocity, presets, and the quirks real cameras have (a camera that refuses Stop, a camera whose
 * clock is off). A JPEG snapshot rendered by GStreamer shows the current pan, tilt and zoom.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { type Clock, systemClock } from '@telecart/devices';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Credentials, HttpDigestVerifier, WsseVerifier } from './auth.js';
import { addressesFacing, type DiscoveryResponder, startDiscoveryResponder } from './discovery.js';
import { ConventionalHeadersResponse } from './header-names.js';
import { type LiveStream, startLiveStream } from './live-stream.js';
import { type Position, PtzModel } from './ptz-model.js';
import { isWildcardAddress, urlHost } from './rtsp-server.js';
import type { CameraContext, CameraIdentity, CameraUrls, OperationHandler } from './services/context.js';
import { PRE_AUTH_OPERATIONS } from './services/context.js';
import { cameraScopes, deviceOperations } from './services/device-service.js';
import { mediaOperations } from './services/media-service.js';
import { ptzOperations } from './services/ptz-service.js';
import { envelope, faultEnvelope, parseSoapRequest, SoapFault } from './soap.js';
import { type VideoEncoderSettings, videoEncoderSettings } from './video-encoder.js';

export type CameraAuthMode = 'none' | 'wsse' | 'digest' | 'any';

export interface SimCameraOptions {
  /**
   * Default 127.0.0.1. On 0.0.0.0 (or ::) every URL the camera hands out (XAddrs, stream and snapshot
   * URIs, WS-Discovery XAddrs) carries the address the client reached it at, as a real camera's do.
   */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default [{ username: 'admin', password: 'admin' }]. */
  users?: readonly Credentials[];
  /** 'any' (default) accepts WS-UsernameToken or HTTP Digest; 'wsse' answers 400 NotAuthorized; 'digest' answers 401. */
  auth?: CameraAuthMode;
  /** Quirk: Stop answers a fault; a zero-velocity ContinuousMove is the only way to stop. */
  refuseStop?: boolean;
  /** Quirk: the camera clock is this far from the real one (e.g. 600000 for 10 minutes ahead). */
  clockOffsetMs?: number;
  clock?: Clock;
  /** WS-Discovery: false (default) none; true on 0.0.0.0:3702 with the multicast group; or a host/port for tests. */
  discovery?: boolean | { host: string; port: number };
  /** RTSP URI announced by GetStreamUri; null when the camera has no stream (GetStreamUri faults). */
  streamUri?: string | null;
  /**
   * Serve a live H.264 RTSP stream showing the current pan/tilt/zoom (live-stream.ts); GetStreamUri
   * announces it. The encoder settings (DEFAULT_VIDEO_ENCODER where not given) are also what the
   * Media service reports, with or without a stream.
   */
  stream?: boolean | ({ port?: number } & Partial<VideoEncoderSettings>);
  /** Serve /onvif/snapshot.jpg (rendered with gst-launch-1.0). Default true. */
  snapshots?: boolean;
  identity?: Partial<CameraIdentity>;
  maxPresets?: number;
  startPosition?: Position;
  /** Called once per malformed request or datagram, with context. */
  onMalformed?: (reason: string) => void;
}

export interface SimCamera {
  readonly deviceServiceUrl: string;
  readonly mediaServiceUrl: string;
  readonly ptzServiceUrl: string;
  readonly snapshotUrl: string | null;
  /** The RTSP stream, when started with `stream`. */
  readonly streamUri: string | null;
  /** The video encoder configuration the Media service reports and the stream runs with. */
  readonly video: VideoEncoderSettings;
  /** The stream's encoder process (gst-launch-1.0), when streaming. */
  readonly streamEncoderPid: number | null;
  readonly discoveryPort: number | null;
  readonly identity: CameraIdentity;
  readonly ptz: PtzModel;
  /** Requests answered, by operation (auth failures excluded). */
  readonly calls: Map<string, number>;
  /** The camera's clock. */
  cameraNow(): number;
  stop(): Promise<void>;
}

const SOAP_TYPE = 'application/soap+xml; charset=utf-8';

/** Renders one JPEG frame with the PTZ state written on it, through a gst-launch-1.0 child. */
function renderSnapshot(p: Position, width: number, height: number): Promise<Buffer> {
  const label = `pan ${p.pan.toFixed(3)} tilt ${p.tilt.toFixed(3)} zoom ${p.zoom.toFixed(3)}`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'num-buffers=1',
        'pattern=smpte',
        '!',
        `video/x-raw,width=${width},height=${height}`,
        '!',
        'textoverlay',
        `text=${label}`,
        'valignment=top',
        'halignment=left',
        'font-desc=Sans 14',
        '!',
        'jpegenc',
        '!',
        'fdsink',
        'fd=1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`gst-launch-1.0 exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

export async function startSimCamera(opts: SimCameraOptions = {}): Promise<SimCamera> {
  const clock = opts.clock ?? systemClock;
  const host = opts.host ?? '127.0.0.1';
  const users = opts.users ?? [{ username: 'admin', password: 'admin' }];
  const authMode = opts.auth ?? 'any';
  const cameraNow = () => clock.now() + (opts.clockOffsetMs ?? 0);
  const identity: CameraIdentity = {
    manufacturer: 'telecart',
    model: 'SimPTZ-1',
    firmwareVersion: '1.0.0',
    serialNumber: `SIM-${randomUUID().slice(0, 8).toUpperCase()}`,
    hardwareId: 'sim-ptz',
    endpointReference: `urn:uuid:${randomUUID()}`,
    name: 'telecart-sim-camera',
    location: 'cart',
    ...opts.identity,
  };
  const ptz = new PtzModel({ clock, maxPresets: opts.maxPresets ?? 16, ...(opts.startPosition ? { start: opts.startPosition } : {}) });
  const wsse = new WsseVerifier(users, cameraNow);
  const digest = new HttpDigestVerifier(users, cameraNow);
  const calls = new Map<string, number>();
  const malformed = (reason: string) => opts.onMalformed?.(reason);
  const { port: rtspPort, ...encoderOptions } = typeof opts.stream === 'object' ? opts.stream : {};
  const video = videoEncoderSettings(encoderOptions);

  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    // Header names as cameras write them, on every reply (Fastify's own errors included).
    serverFactory: (handler) => {
      const server = createServer({ ServerResponse: ConventionalHeadersResponse }, handler);
      server.keepAliveTimeout = 72_000; // Fastify's default, which it does not apply to a server it is given
      return server;
    },
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('Server', 'telecart-sim-camera');
  });
  for (const type of ['application/soap+xml', 'text/xml', 'application/xml']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  const ctx: CameraContext = {
    identity,
    ptz,
    cameraNow,
    refusesStop: opts.refuseStop ?? false,
    profileToken: 'main',
    video,
    urls: { device: '', media: '', ptz: '', stream: opts.streamUri ?? null, snapshot: null },
  };
  let httpPort = 0;
  let live: LiveStream | null = null;
  const snapshots = opts.snapshots ?? true;
  const wildcard = isWildcardAddress(host);
  /** The URLs as a client that reached the camera at `address` must use them. */
  const urlsAt = (address: string): CameraUrls => {
    const base = `http://${urlHost(address)}:${httpPort}`;
    return {
      device: `${base}/onvif/device_service`,
      media: `${base}/onvif/media_service`,
      ptz: `${base}/onvif/ptz_service`,
      stream: opts.streamUri ?? live?.rtsp.urlAt(address) ?? null,
      snapshot: snapshots ? `${base}/onvif/snapshot.jpg` : null,
    };
  };
  /** Bound to one address: that one. Bound to all: the one this request arrived at. */
  const addressOf = (req: FastifyRequest) => (wildcard ? (req.socket.localAddress ?? host) : host);

  const sendFault = (reply: FastifyReply, f: SoapFault) => reply.code(f.httpStatus).type(SOAP_TYPE).send(faultEnvelope(f));

  /** null when the request may proceed; otherwise the reply was sent. */
  const authenticate = (req: FastifyRequest, reply: FastifyReply, header: Parameters<WsseVerifier['verify']>[0]): boolean => {
    if (authMode === 'none') return true;
    if (authMode !== 'digest') {
      const w = wsse.verify(header);
      if (w?.ok) return true;
      if (w && !w.ok) {
        sendFault(reply, new SoapFault('Sender', ['ter:NotAuthorized'], `Sender not authorized: ${w.reason}`));
        return false;
      }
    }
    if (authMode !== 'wsse') {
      const d = digest.verify(req.headers.authorization, req.method, req.url);
      if (d?.ok) return true;
      reply.code(401).header('WWW-Authenticate', digest.challenges()).type(SOAP_TYPE);
      reply.send(
        faultEnvelope(new SoapFault('Sender', ['ter:NotAuthorized'], d ? `Sender not authorized: ${d.reason}` : 'Sender not authorized')),
      );
      return false;
    }
    sendFault(reply, new SoapFault('Sender', ['ter:NotAuthorized'], 'Sender not authorized: no UsernameToken'));
    return false;
  };

  const service = (path: string, operations: Record<string, OperationHandler>) => {
    app.post(path, async (req, reply) => {
      if (typeof req.body !== 'string') {
        malformed(`${path}: body is not SOAP XML (content-type ${req.headers['content-type'] ?? 'none'})`);
        return sendFault(reply, new SoapFault('Sender', ['ter:WellFormed'], 'expected application/soap+xml'));
      }
      let parsed: ReturnType<typeof parseSoapRequest>;
      try {
        parsed = parseSoapRequest(req.body);
      } catch (e) {
        if (e instanceof SoapFault) {
          malformed(`${path}: ${e.reason}`);
          return sendFault(reply, e);
        }
        throw e;
      }
      const handler = operations[parsed.operation];
      if (!PRE_AUTH_OPERATIONS.has(parsed.operation) && !authenticate(req, reply, parsed.header)) return reply;
      if (handler === undefined) {
        return sendFault(reply, new SoapFault('Receiver', ['ter:ActionNotSupported'], `${parsed.operation} is not supported on ${path}`));
      }
      try {
        const body = handler(parsed.body, { ...ctx, urls: urlsAt(addressOf(req)) });
        calls.set(parsed.operation, (calls.get(parsed.operation) ?? 0) + 1);
        return reply.type(SOAP_TYPE).send(envelope(body));
      } catch (e) {
        if (e instanceof SoapFault) {
          calls.set(parsed.operation, (calls.get(parsed.operation) ?? 0) + 1);
          return sendFault(reply, e);
        }
        throw e;
      }
    });
  };
  service('/onvif/device_service', deviceOperations);
  service('/onvif/media_service', mediaOperations);
  service('/onvif/ptz_service', ptzOperations(opts.maxPresets ?? 16));

  if (snapshots) {
    app.get('/onvif/snapshot.jpg', async (req, reply) => {
      if (authMode !== 'none') {
        const d = digest.verify(req.headers.authorization, req.method, req.url);
        if (!d?.ok) return reply.code(401).header('WWW-Authenticate', digest.challenges()).send();
      }
      const jpeg = await renderSnapshot(ptz.position(), 640, 360);
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
    });
  }

  await app.listen({ host, port: opts.port ?? 0 });
  const bound = app.server.address();
  httpPort = typeof bound === 'object' && bound ? bound.port : 0;

  if (opts.stream) {
    try {
      live = await startLiveStream({
        host,
        ...(rtspPort !== undefined ? { port: rtspPort } : {}),
        ...video,
        position: () => ptz.position(),
        onError: malformed,
        now: cameraNow,
      });
    } catch (e) {
      await app.close();
      throw e;
    }
  }
  // What this process itself uses (and prints): loopback when bound to every address.
  ctx.urls = urlsAt(wildcard ? (host.includes(':') ? '::1' : '127.0.0.1') : host);

  let discovery: DiscoveryResponder | null = null;
  if (opts.discovery) {
    const where = opts.discovery === true ? {} : { host: opts.discovery.host, port: opts.discovery.port };
    try {
      discovery = await startDiscoveryResponder({
        endpointReference: identity.endpointReference,
        // Bound to all addresses: the device service on the addresses the prober can reach.
        xaddrs: wildcard ? (sender) => addressesFacing(sender, networkInterfaces()).map((a) => urlsAt(a).device) : [ctx.urls.device],
        scopes: cameraScopes(ctx),
        onMalformed: malformed,
        ...where,
      });
    } catch (e) {
      await live?.stop();
      await app.close();
      throw e;
    }
  }

  return {
    deviceServiceUrl: ctx.urls.device,
    mediaServiceUrl: ctx.urls.media,
    ptzServiceUrl: ctx.urls.ptz,
    snapshotUrl: ctx.urls.snapshot,
    streamUri: ctx.urls.stream,
    video,
    streamEncoderPid: live?.pid ?? null,
    discoveryPort: discovery?.port ?? null,
    identity,
    ptz,
    calls,
    cameraNow,
    stop: async () => {
      await discovery?.close();
      await live?.stop();
      await app.close();
    },
  };
}
