/** Where a gateway keeps its credentials, and writing them so that only its own user can read them. */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CredentialPaths {
  dir: string;
  key: string;
  cert: string;
  ca: string;
}

export function credentialPaths(dataDir: string, dir?: string): CredentialPaths {
  const d = dir ?? join(dataDir, 'tls');
  return { dir: d, key: join(d, 'key.pem'), cert: join(d, 'cert.pem'), ca: join(d, 'ca.pem') };
}

/** 0600 from the first byte (temp file created with the mode, then renamed into place). */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
