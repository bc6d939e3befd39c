/**
 * Loads the gateway's TLS client credentials (key, certificate, CA) and checks them before the
 * first connection, so a wrong file gives a sentence, not an opaque TLS alert: files present, key
 * readable by its owner only, certificate issued by the CA, for this gateway id, for the key, in
 * its validity period. Node's own X509Certificate does the checks.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { CredentialPaths } from './files.js';

export class GatewayCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayCredentialsError';
  }
}

export interface GatewayCredentials {
  key: string;
  cert: string;
  ca: string;
  notAfter: Date;
  serial: string;
}

/** The CN of a Node X509Certificate subject ("CN=gw-1\n…"). */
export function subjectCn(cert: X509Certificate): string | null {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return null;
}

export function loadGatewayCredentials(paths: CredentialPaths, gatewayId: string, now = new Date()): GatewayCredentials {
  const hint = `run \`telecart gateway enroll\` for gateway ${gatewayId} first`;
  for (const f of [paths.key, paths.cert, paths.ca]) {
    if (!existsSync(f)) throw new GatewayCredentialsError(`TLS credentials: ${f} is missing; ${hint}`);
  }
  const mode = statSync(paths.key).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new GatewayCredentialsError(`TLS credentials: ${paths.key} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  const key = readFileSync(paths.key, 'utf8');
  const certPem = readFileSync(paths.cert, 'utf8');
  const caPem = readFileSync(paths.ca, 'utf8');
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (e) {
    throw new GatewayCredentialsError(`TLS credentials: ${paths.cert} or ${paths.ca} is not a PEM certificate: ${(e as Error).message}`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw new GatewayCredentialsError(`TLS credentials: ${paths.key} is not a PEM private key: ${(e as Error).message}`);
  }
  const cn = subjectCn(cert);
  if (cn !== gatewayId)
    throw new GatewayCredentialsError(`TLS credentials: certificate is for ${JSON.stringify(cn)}, this gateway is ${gatewayId}; ${hint}`);
  if (!cert.checkPrivateKey(privateKey)) throw new GatewayCredentialsError(`TLS credentials: ${paths.key} does not match ${paths.cert}`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    throw new GatewayCredentialsError(`TLS credentials: ${paths.cert} was not issued by ${paths.ca}`);
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from || now > to)
    throw new GatewayCredentialsError(`TLS credentials: certificate valid ${from.toISOString()} – ${to.toISOString()}, not now; ${hint}`);
  return { key, cert: certPem, ca: caPem, notAfter: to, serial: cert.serialNumber.toLowerCase() };
}
