/**
 * Everything an external Mosquitto needs to enforce telecart's security model, written from the
 * cloud's CA: CA certificate, broker server key/certificate, CRL, ACL file, and the listener
 * lines for mosquitto.conf. Re-run after a revocation (the CRL changes) and reload Mosquitto.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mosquittoAcl } from './acl.js';

export interface MosquittoSecurityInput {
  caCertPem: string;
  serverKeyPem: string;
  serverCertPem: string;
  crlPem: string;
  /** CNs of the cloud's ingest clients (they get the ingest rights). */
  ingestUsers: readonly string[];
  /** CNs of the cloud's signaling clients (default: one unnamed instance's). */
  signalingUsers?: readonly string[];
  /** Revoked gateways: denied every topic, so a session still open when the CRL changed can do nothing. */
  revokedUsers?: readonly string[];
}

export interface MosquittoSecurityFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  crlFile: string;
  aclFile: string;
}

/** Writes atomically (temp file + rename) so a reloading broker never reads half a file. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function writeMosquittoSecurityFiles(dir: string, input: MosquittoSecurityInput): MosquittoSecurityFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f: MosquittoSecurityFiles = {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    crlFile: join(dir, 'crl.pem'),
    aclFile: join(dir, 'acl'),
  };
  writeFileAtomic(f.caFile, input.caCertPem);
  writeFileAtomic(f.certFile, input.serverCertPem);
  writeFileAtomic(f.keyFile, input.serverKeyPem, 0o600);
  writeFileAtomic(f.crlFile, input.crlPem);
  writeFileAtomic(f.aclFile, mosquittoAcl(input.ingestUsers, input.revokedUsers ?? [], input.signalingUsers));
  return f;
}

/** The mosquitto.conf lines of a mutual-TLS listener using those files. */
export function mosquittoListenerConfig(files: MosquittoSecurityFiles, port: number, host = '127.0.0.1'): string {
  return [
    `listener ${port} ${host}`,
    `cafile ${files.caFile}`,
    `certfile ${files.certFile}`,
    `keyfile ${files.keyFile}`,
    `crlfile ${files.crlFile}`,
    'require_certificate true',
    // The certificate CN becomes the username (and so %u in the ACL) and the client id, so one
    // gateway cannot take over another's session by connecting with its client id.
    'use_identity_as_username true',
    'use_username_as_clientid true',
    'tls_version tlsv1.2',
    `acl_file ${files.aclFile}`,
    '',
  ].join('\n');
}
