/**
 * Header names as real cameras and servers write them (`Content-Type`, `WWW-Authenticate`, `CSeq`).
 * Names are case-insensitive by the RFCs, but embedded clients match them byte for byte (libonvif
 * looks for "Content-Length: " with strstr), so every reply of the simulator, HTTP and RTSP, goes
 * out through this.
 */
import { type OutgoingHttpHeader, type OutgoingHttpHeaders, ServerResponse } from 'node:http';

const SPECIAL: Record<string, string> = {
  'www-authenticate': 'WWW-Authenticate',
  cseq: 'CSeq',
  etag: 'ETag',
  'content-md5': 'Content-MD5',
  te: 'TE',
};

/** `content-type` → `Content-Type`; the few names whose usual form is not word-capitalised from a table. */
export function conventionalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return SPECIAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

function conventional(headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): OutgoingHttpHeaders | OutgoingHttpHeader[] {
  if (Array.isArray(headers)) {
    // Node's flat [name, value, name, value…] form.
    return headers.map((v, i) => (i % 2 === 0 && typeof v === 'string' ? conventionalHeaderName(v) : v));
  }
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[conventionalHeaderName(k)] = v;
  return out;
}

/**
 * An http.ServerResponse that writes conventional header names whichever way they were set
 * (Fastify keeps names lower case and hands them to writeHead as an object).
 */
export class ConventionalHeadersResponse extends ServerResponse {
  override setHeader(name: string, value: number | string | readonly string[]): this {
    return super.setHeader(conventionalHeaderName(name), value);
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    if (typeof reasonOrHeaders === 'string') {
      return headers === undefined
        ? super.writeHead(statusCode, reasonOrHeaders)
        : super.writeHead(statusCode, reasonOrHeaders, conventional(headers));
    }
    return reasonOrHeaders === undefined ? super.writeHead(statusCode) : super.writeHead(statusCode, conventional(reasonOrHeaders));
  }
}
