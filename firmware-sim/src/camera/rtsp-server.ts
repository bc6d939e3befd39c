/**
 * A minimal RTSP 1.0 server (RFC 2326) for one live stream: OPTIONS, DESCRIBE, SETUP, PLAY,
 * GET_PARAMETER (keep-alive), TEARDOWN. RTP goes to each playing client over UDP (client_port) or
 * interleaved on the RTSP connection (RTP/AVP/TCP), which is what rtspsrc, ffmpeg and VLC speak.
 * The packets come from elsewhere (`feed`): the server only fans them out. No authentication:
 * a real camera asks for Digest here; the gateway passes credentials in the URI either way.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { conventionalHeaderName } from './header-names.js';

export interface RtspServerOptions {
  host: string;
  /** 0: a free port. */
  port?: number;
  /** Stream path, e.g. '/stream'. */
  path: string;
  /**
   * The one media of the stream, as the SDP of DESCRIBE announces it; `fmtp` may be read at each
   * DESCRIBE (the H.264 parameter sets are those the running encoder produced).
   */
  media: { type: 'video' | 'audio'; payloadType: number; rtpmap: string; fmtp?: string | (() => string) };
  /** Told once per malformed request, with context. */
  onMalformed?: (reason: string) => void;
  /** The clock of the Date header (the camera's own). Default Date.now. */
  now?: () => number;
}

export interface RtspServer {
  /** The stream's URL; when bound to a wildcard address, with 127.0.0.1 (or ::1) in its place. */
  readonly url: string;
  /** The stream's URL as a client that reached this host at `address` must use it. */
  urlAt(address: string): string;
  readonly port: number;
  /** Sessions currently playing. */
  readonly playing: number;
  /**
   * Sends one RTP packet to every playing session. A session starts with the first packet marked
   * `startsKeyframe` after its PLAY (default true: every packet), so a decoder that joins mid-GOP
   * is not fed pictures it has no reference for.
   */
  feed(rtp: Buffer, startsKeyframe?: boolean): void;
  close(): Promise<void>;
}

interface Session {
  id: string;
  conn: Socket;
  transport: { kind: 'udp'; host: string; rtpPort: number } | { kind: 'tcp'; channel: number };
  playing: boolean;
  /** A keyframe has been sent since PLAY. */
  started: boolean;
}

const MAX_REQUEST_BYTES = 16 * 1024;
const METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN';

/** 0.0.0.0 and :: listen everywhere; a URL needs the address a client actually reaches. */
export function isWildcardAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** A host for a URL: IPv4-mapped IPv6 unwrapped, IPv6 bracketed. */
export function urlHost(address: string): string {
  const a = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

interface Request {
  method: string;
  uri: string;
  headers: Map<string, string>;
}

/** Splits one request off the front of `buf`; null when incomplete. */
function parseRequest(buf: Buffer): { req: Request | { error: string }; rest: Buffer } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const text = buf.subarray(0, end).toString('latin1');
  const [line, ...lines] = text.split('\r\n');
  const m = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(line ?? '');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > MAX_REQUEST_BYTES) {
    return { req: { error: `bad Content-Length ${headers.get('content-length')}` }, rest: Buffer.alloc(0) };
  }
  if (buf.length < end + 4 + length) return null;
  const rest = buf.subarray(end + 4 + length);
  if (!m?.[1] || !m[2]) return { req: { error: `bad request line ${JSON.stringify((line ?? '').slice(0, 80))}` }, rest };
  return { req: { method: m[1], uri: m[2], headers }, rest };
}

/** One RTSP reply, header names in their usual form (`CSeq`, `Content-Base`, …). */
export function rtspReply(code: number, reason: string, headers: Record<string, string>, now: number, body = ''): string {
  const all: Record<string, string> = { ...headers, Server: 'telecart-sim-camera', Date: new Date(now).toUTCString() };
  if (body) all['Content-Length'] = String(Buffer.byteLength(body));
  const lines = [`RTSP/1.0 ${code} ${reason}`, ...Object.entries(all).map(([k, v]) => `${conventionalHeaderName(k)}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export async function startRtspServer(opts: RtspServerOptions): Promise<RtspServer> {
  const sessions = new Map<string, Session>();
  const connections = new Set<Socket>();
  const malformed = (r: string) => opts.onMalformed?.(r);
  const now = opts.now ?? Date.now;
  // One UDP socket pair sends RTP (even port) and would take RTCP (odd): what SETUP announces.
  const rtpSocket: UdpSocket = createSocket('udp4');
  const rtcpSocket: UdpSocket = createSocket('udp4');
  rtcpSocket.on('message', () => undefined);
  for (const s of [rtpSocket, rtcpSocket]) s.on('error', (e) => malformed(`udp: ${e.message}`));
  await new Promise<void>((r) => rtpSocket.bind(0, opts.host, r));
  await new Promise<void>((r) => rtcpSocket.bind(0, opts.host, r));
  const serverPorts = `${rtpSocket.address().port}-${rtcpSocket.address().port}`;
  let port = 0;
  const urlAt = (address: string) => `rtsp://${urlHost(address)}:${port}${opts.path}`;
  const fmtp = () => (typeof opts.media.fmtp === 'function' ? opts.media.fmtp() : opts.media.fmtp);

  const sdp = (host: string) => {
    const m = opts.media;
    return [
      'v=0',
      `o=- ${Date.now()} 1 IN IP4 ${host}`,
      's=telecart simulated camera',
      `c=IN IP4 ${host}`,
      't=0 0',
      'a=control:*',
      'a=range:npt=0-',
      `m=${m.type} 0 RTP/AVP ${m.payloadType}`,
      `a=rtpmap:${m.payloadType} ${m.rtpmap}`,
      ...(fmtp() ? [`a=fmtp:${m.payloadType} ${fmtp()}`] : []),
      'a=control:track1',
      '',
    ].join('\r\n');
  };

  const handle = (conn: Socket, req: Request): boolean => {
    const cseq = req.headers.get('cseq') ?? '0';
    const reply = (code: number, reason: string, headers: Record<string, string> = {}, body = '') =>
      conn.write(rtspReply(code, reason, { CSeq: cseq, ...headers }, now(), body));
    // The address this client reached us at: what every URL we hand it must carry.
    const local = conn.localAddress ?? opts.host;
    let path: string;
    try {
      path = req.uri === '*' ? '*' : new URL(req.uri).pathname;
    } catch {
      malformed(`bad URI ${JSON.stringify(req.uri.slice(0, 100))}`);
      return reply(400, 'Bad Request');
    }
    const ours = path === '*' || path === opts.path || path.startsWith(`${opts.path}/`);
    if (!ours) return reply(404, 'Not Found');
    const session = sessions.get((req.headers.get('session') ?? '').split(';')[0] ?? '');
    switch (req.method) {
      case 'OPTIONS':
        return reply(200, 'OK', { Public: METHODS });
      case 'DESCRIBE':
        return reply(
          200,
          'OK',
          { 'Content-Base': `${urlAt(local)}/`, 'Content-Type': 'application/sdp' },
          sdp(local.replace(/^::ffff:/, '')),
        );
      case 'SETUP': {
        const t = req.headers.get('transport') ?? '';
        const udp = /client_port=(\d+)(?:-(\d+))?/.exec(t);
        const tcp = /RTP\/AVP\/TCP/.test(t) ? /interleaved=(\d+)(?:-(\d+))?/.exec(t) : null;
        const id = session?.id ?? randomBytes(8).toString('hex');
        const ssrc = 'DEADBEEF';
        if (tcp) {
          const ch = Number(tcp[1]);
          sessions.set(id, { id, conn, transport: { kind: 'tcp', channel: ch }, playing: false, started: false });
          return reply(200, 'OK', {
            Transport: `RTP/AVP/TCP;unicast;interleaved=${ch}-${ch + 1};ssrc=${ssrc}`,
            Session: `${id};timeout=60`,
          });
        }
        if (udp && /RTP\/AVP(\/UDP)?;/.test(`${t};`)) {
          const host = conn.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
          const a = Number(udp[1]);
          sessions.set(id, { id, conn, transport: { kind: 'udp', host, rtpPort: a }, playing: false, started: false });
          return reply(200, 'OK', {
            Transport: `RTP/AVP;unicast;client_port=${a}-${udp[2] ?? a + 1};server_port=${serverPorts};ssrc=${ssrc}`,
            Session: `${id};timeout=60`,
          });
        }
        return reply(461, 'Unsupported Transport');
      }
      case 'PLAY':
        if (!session) return reply(454, 'Session Not Found');
        session.playing = true;
        return reply(200, 'OK', { Session: session.id, Range: 'npt=0.000-' });
      case 'GET_PARAMETER':
        return reply(200, 'OK', session ? { Session: session.id } : {});
      case 'TEARDOWN':
        if (session) sessions.delete(session.id);
        return reply(200, 'OK');
      default:
        return reply(405, 'Method Not Allowed', { Allow: METHODS });
    }
  };

  const server: Server = createServer((conn) => {
    connections.add(conn);
    let buf: Buffer = Buffer.alloc(0);
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        // Interleaved RTCP from a TCP client ($, channel, length, packet): read past it.
        if (buf[0] === 0x24) {
          if (buf.length < 4) return;
          const n = buf.readUInt16BE(2);
          if (buf.length < 4 + n) return;
          buf = buf.subarray(4 + n);
          continue;
        }
        const p = parseRequest(buf);
        if (p === null) {
          if (buf.length > MAX_REQUEST_BYTES) {
            malformed('request larger than 16 KiB');
            conn.destroy();
          }
          return;
        }
        buf = p.rest;
        if ('error' in p.req) {
          malformed(p.req.error);
          conn.write(rtspReply(400, 'Bad Request', {}, now()));
          continue;
        }
        handle(conn, p.req);
      }
    });
    const drop = () => {
      connections.delete(conn);
      for (const [id, s] of sessions) if (s.conn === conn) sessions.delete(id);
    };
    conn.on('close', drop);
    conn.on('error', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host, () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = urlAt(isWildcardAddress(opts.host) ? (opts.host.includes(':') ? '::1' : '127.0.0.1') : opts.host);

  return {
    url,
    urlAt,
    port,
    get playing() {
      return [...sessions.values()].filter((s) => s.playing).length;
    },
    feed(rtp, startsKeyframe = true) {
      for (const s of sessions.values()) {
        if (!s.playing) continue;
        if (!s.started && !startsKeyframe) continue;
        s.started = true;
        if (s.transport.kind === 'udp') rtpSocket.send(rtp, s.transport.rtpPort, s.transport.host);
        else if (s.conn.writableLength < 1024 * 1024) {
          // A stalled TCP reader loses packets rather than growing our buffers without bound.
          const head = Buffer.from([0x24, s.transport.channel, rtp.length >> 8, rtp.length & 0xff]);
          s.conn.write(Buffer.concat([head, rtp]));
        }
      }
    },
    async close() {
      sessions.clear();
      for (const c of connections) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rtpSocket.close();
      rtcpSocket.close();
    },
  };
}
