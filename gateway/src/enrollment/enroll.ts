/**
 * `telecart gateway enroll`: exchanges a one-time token for this gateway's certificate.
 *
 * Trust on first contact is pinned, as kubeadm does: the operator gives the gateway the token
 * and the SHA-256 fingerprint of the cloud CA. The gateway fetches the CA over TLS without
 * trusting it yet, checks the fingerprint, and only then sends the token — over a connection
 * verified against that CA — with a CSR for a key it generated itself.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { Type } from '@sinclair/typebox';
import { compile, formatIssues, isValidGatewayId } from '@telecart/protocol';
import { type GatewayCredentials, loadGatewayCredentials } from './credentials.js';
import { generateKeyAndCsr } from './csr.js';
import { type CredentialPaths, ensurePrivateDir, writePrivateFile } from './files.js';

export class EnrollmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrollmentError';
  }
}

export interface EnrollOptions {
  /** https://host:port of the cloud's enrollment endpoint. */
  url: string;
  token: string;
  /** sha256:<64 hex> of the cloud CA certificate (colons and case ignored). */
  caFingerprint: string;
  gatewayId: string;
  paths: CredentialPaths;
  /** Replace credentials already there. */
  force?: boolean;
  timeoutMs?: number;
}

export interface EnrollOutcome extends GatewayCredentials {
  paths: CredentialPaths;
  mqttUrl?: string;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

const EnrollResponse = compile(
  Type.Object({
    gatewayId: Type.String({ maxLength: 64 }),
    certificate: Type.String({ maxLength: 16_384 }),
    ca: Type.String({ maxLength: 16_384 }),
    notAfter: Type.String({ maxLength: 64 }),
    mqttUrl: Type.Optional(Type.String({ maxLength: 512 })),
  }),
);

export function normalizeFingerprint(fp: string): string | null {
  const hex = fp
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : null;
}

export function fingerprintOf(certPem: string): string {
  return `sha256:${createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex')}`;
}

function call(
  url: URL,
  method: 'GET' | 'POST',
  tls: { ca?: string },
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        timeout: timeoutMs,
        // First contact (GET of the CA) trusts nothing yet: the fingerprint check below decides.
        ...(tls.ca ? { ca: tls.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
        headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES)
            req.destroy(new EnrollmentError(`response from ${url.origin} exceeds ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new EnrollmentError(`${url.origin} did not answer within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof EnrollmentError ? e : new EnrollmentError(`${method} ${url.href}: ${e.message}`)));
    req.end(body);
  });
}

export async function enrollGateway(o: EnrollOptions): Promise<EnrollOutcome> {
  let base: URL;
  try {
    base = new URL(o.url);
  } catch {
    throw new EnrollmentError(`enrollment URL ${JSON.stringify(o.url)} is not a URL`);
  }
  if (base.protocol !== 'https:') throw new EnrollmentError(`enrollment needs https://, got ${base.protocol}//`);
  if (!isValidGatewayId(o.gatewayId)) throw new EnrollmentError(`invalid gateway id ${JSON.stringify(o.gatewayId)}`);
  if (!/^tct1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/.test(o.token))
    throw new EnrollmentError('token is malformed (expected tct1.<id>.<secret>)');
  const pinned = normalizeFingerprint(o.caFingerprint);
  if (!pinned) throw new EnrollmentError(`CA fingerprint ${JSON.stringify(o.caFingerprint)} is not sha256:<64 hex digits>`);
  if (!o.force && [o.paths.key, o.paths.cert].some((f) => existsSync(f)))
    throw new EnrollmentError(`credentials already exist in ${o.paths.dir}; pass --force to replace them`);
  const timeoutMs = o.timeoutMs ?? 15_000;

  const caRes = await call(new URL('/api/v1/enroll/ca', base), 'GET', {}, undefined, timeoutMs);
  if (caRes.status !== 200) throw new EnrollmentError(`GET /api/v1/enroll/ca answered ${caRes.status}`);
  let caFp: string;
  try {
    caFp = fingerprintOf(caRes.text);
  } catch (e) {
    throw new EnrollmentError(`the cloud's CA is not a PEM certificate: ${(e as Error).message}`);
  }
  if (caFp !== pinned)
    throw new EnrollmentError(
      `the cloud's CA has fingerprint ${caFp}, expected ${pinned}: wrong cloud, or someone in between; nothing was sent`,
    );

  const { keyPem, csrPem } = await generateKeyAndCsr(o.gatewayId);
  const res = await call(
    new URL('/api/v1/enroll', base),
    'POST',
    { ca: caRes.text },
    JSON.stringify({ token: o.token, csr: csrPem }),
    timeoutMs,
  );
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new EnrollmentError(`enrollment answered ${res.status} with a body that is not JSON`);
  }
  if (res.status !== 200) {
    const msg = (json as { message?: unknown } | null)?.message;
    throw new EnrollmentError(`enrollment refused (${res.status}): ${typeof msg === 'string' ? msg.slice(0, 500) : 'no reason given'}`);
  }
  const v = EnrollResponse.validate(json);
  if (!v.ok) throw new EnrollmentError(`enrollment answer is malformed: ${formatIssues(v.issues)}`);
  if (v.value.gatewayId !== o.gatewayId)
    throw new EnrollmentError(`the token is for gateway ${v.value.gatewayId}, this gateway is ${o.gatewayId}`);
  if (fingerprintOf(v.value.ca) !== pinned) throw new EnrollmentError('the cloud answered with another CA than the pinned one');

  // Written, then loaded back through the same checks the gateway runs at every start.
  ensurePrivateDir(o.paths.dir);
  writePrivateFile(o.paths.key, keyPem);
  writePrivateFile(o.paths.cert, v.value.certificate);
  writePrivateFile(o.paths.ca, v.value.ca);
  const creds = loadGatewayCredentials(o.paths, o.gatewayId);
  return { ...creds, paths: o.paths, ...(v.value.mqttUrl ? { mqttUrl: v.value.mqttUrl } : {}) };
}
