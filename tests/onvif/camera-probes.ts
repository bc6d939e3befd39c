/**
 * Outside views of the simulated camera for its interoperability tests: a small RTSP client (RTP
 * interleaved on TCP) that records the reply headers, the SDP and the H.264 access units as they
 * arrive; ffmpeg (the Debian package) decoding the stream; raw HTTP replies (header names as
 * written on the wire); and a SOAP call.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/** Is a Debian tool on PATH? (The tests skip with this message only when it is not.) */
export function haveTool(cmd: string, arg = '-version'): boolean {
  return spawnSync(cmd, [arg], { stdio: 'ignore' }).error === undefined;
}

export interface RtspReply {
  status: number;
  /** Header lines as received: [name, value]. */
  headers: [string, string][];
  body: string;
}

export interface AccessUnit {
  /** RTP timestamp (90 kHz). */
  ts: number;
  /** nal_unit_type of each NAL unit, in order (FU-A fragments counted once). */
  nals: number[];
  /** The whole SPS and PPS NAL units carried in band, if any. */
  sps?: Buffer;
  pps?: Buffer;
}

export interface RtspCapture {
  replies: Record<string, RtspReply>;
  sdp: string;
  units: AccessUnit[];
}

function header(r: RtspReply, name: string): string | undefined {
  return r.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** OPTIONS, DESCRIBE, SETUP (interleaved TCP), PLAY, `ms` of RTP, GET_PARAMETER, TEARDOWN. */
export async function rtspCapture(uri: string, ms: number): Promise<RtspCapture> {
  const u = new URL(uri);
  const sock: Socket = connect(Number(u.port), u.hostname.replace(/^\[|\]$/g, ''));
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  const units: AccessUnit[] = [];
  let waiting: ((r: RtspReply) => void) | null = null;
  const onRtp = (p: Buffer) => {
    const cc = (p[0] ?? 0) & 0x0f;
    const ts = p.readUInt32BE(4);
    const payload = p.subarray(12 + cc * 4);
    let au = units.at(-1);
    if (!au || au.ts !== ts) {
      au = { ts, nals: [] };
      units.push(au);
    }
    const t = (payload[0] ?? 0) & 0x1f;
    const whole = (nal: Buffer) => {
      const type = (nal[0] ?? 0) & 0x1f;
      (au as AccessUnit).nals.push(type);
      if (type === 7) (au as AccessUnit).sps = Buffer.from(nal);
      if (type === 8) (au as AccessUnit).pps = Buffer.from(nal);
    };
    if (t >= 1 && t <= 23) whole(payload);
    else if (t === 24) {
      for (let i = 1; i + 2 <= payload.length; ) {
        const n = payload.readUInt16BE(i);
        whole(payload.subarray(i + 2, i + 2 + n));
        i += 2 + n;
      }
    } else if (t === 28 && ((payload[1] ?? 0) & 0x80) !== 0) au.nals.push((payload[1] ?? 0) & 0x1f);
  };
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf[0] === 0x24) {
        if (buf.length < 4) return;
        const n = buf.readUInt16BE(2);
        if (buf.length < 4 + n) return;
        if (buf[1] === 0) onRtp(buf.subarray(4, 4 + n));
        buf = buf.subarray(4 + n);
        continue;
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
      const reply: RtspReply = { status: Number(line.split(' ')[1]), headers, body: '' };
      const length = Number(header(reply, 'content-length') ?? 0);
      if (buf.length < end + 4 + length) return;
      reply.body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
      buf = buf.subarray(end + 4 + length);
      const w = waiting;
      waiting = null;
      w?.(reply);
    }
  });
  let cseq = 0;
  const request = (method: string, url: string, extra: Record<string, string> = {}) =>
    new Promise<RtspReply>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to RTSP ${method}`)), 5000);
      waiting = (r) => {
        clearTimeout(t);
        resolve(r);
      };
      const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++cseq}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  try {
    const replies: Record<string, RtspReply> = {};
    replies.OPTIONS = await request('OPTIONS', uri);
    replies.DESCRIBE = await request('DESCRIBE', uri, { Accept: 'application/sdp' });
    const base = header(replies.DESCRIBE, 'content-base') ?? `${uri}/`;
    replies.SETUP = await request('SETUP', `${base}track1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = (header(replies.SETUP, 'session') ?? '').split(';')[0] ?? '';
    replies.PLAY = await request('PLAY', uri, { Session: session, Range: 'npt=0.000-' });
    await new Promise((r) => setTimeout(r, ms));
    replies.GET_PARAMETER = await request('GET_PARAMETER', uri, { Session: session });
    replies.TEARDOWN = await request('TEARDOWN', uri, { Session: session });
    return { replies, sdp: replies.DESCRIBE.body, units };
  } finally {
    sock.destroy();
  }
}

export interface Decoded {
  code: number | null;
  /** ffmpeg's stderr at `-v error`: empty when the stream decodes clean. */
  errors: string;
  frames: number;
  width: number;
  height: number;
}

/**
 * ffmpeg (`-v error`) reads `seconds` of the stream and decodes every picture; framecrc prints one
 * line per decoded frame with its size.
 */
export function ffmpegDecode(uri: string, transport: 'tcp' | 'udp', seconds: number): Promise<Decoded> {
  return new Promise((resolve) => {
    const c = spawn(
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-rtsp_transport', transport, '-i', uri, '-t', String(seconds), '-map', '0:v', '-f', 'framecrc', '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const kill = setTimeout(() => c.kill('SIGKILL'), (seconds + 15) * 1000);
    c.once('close', (code) => {
      clearTimeout(kill);
      const lines = out.split('\n').filter((l) => /^0,/.test(l));
      const size = /#dimensions 0: (\d+)x(\d+)/.exec(out);
      resolve({ code, errors: err.trim(), frames: lines.length, width: Number(size?.[1] ?? 0), height: Number(size?.[2] ?? 0) });
    });
  });
}

/** One HTTP request over a raw socket: the status and the header names exactly as written. */
export async function rawHttp(
  url: string,
  method: string,
  body = '',
  contentType = 'application/soap+xml; charset=utf-8',
): Promise<RtspReply> {
  const u = new URL(url);
  const sock = connect(Number(u.port), u.hostname);
  const req = [`${method} ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close'];
  if (body) req.push(`Content-Type: ${contentType}`, `Content-Length: ${Buffer.byteLength(body)}`);
  sock.write(`${req.join('\r\n')}\r\n\r\n${body}`);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.once('end', resolve);
    sock.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [line = '', ...lines] = text.slice(0, end).split('\r\n');
  return {
    status: Number(line.split(' ')[1]),
    headers: lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    body: text.slice(end + 4),
  };
}

export function soapEnvelope(body: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl"><s:Body>${body}</s:Body></s:Envelope>`;
}

/** A SOAP call to a camera started with `auth: 'none'`; the reply's text. */
export async function soapCall(url: string, body: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
    body: soapEnvelope(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The text of the first element named `local` (any prefix). */
export function xmlText(xml: string, local: string): string | undefined {
  return new RegExp(`<(?:\\w+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${local}>`).exec(xml)?.[1];
}

/** Header names as cameras and servers write them: each word capitalised (`Content-Type`, `WWW-Authenticate`, `CSeq`). */
export const CONVENTIONAL_HEADER = /^(?:[A-Z][a-z0-9]*|WWW|CSeq|ETag|MD5|TE)(?:-(?:[A-Z][a-z0-9]*|WWW|MD5))*$/;
