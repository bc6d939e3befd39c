/**
 * Accounts as the cloud store keeps them (migration 17): who may sign in, with which role, on which
 * sites. The configuration's accounts (teleconsult.specialists) are written here at start; the
 * administration API adds, changes and disables others. Secrets are kept only as the config has them:
 * the scrypt hash of the password, the SHA-256 of an API token, the TOTP secret encrypted.
 */
import type { Role } from '../auth/permissions.js';

export interface AccountRecord {
  id: string;
  name: string;
  role: Role;
  /** RPPS number (11 digits) of a practitioner. */
  rpps: string | null;
  email: string | null;
  phone: string | null;
  sites: string[];
  /** Gateway patterns granted directly (the config's `gateways`). */
  gateways: string[];
  specialty: string | null;
  /** Reads the whole audit trail whatever the role (the config's `audit: true`). */
  audit: boolean;
  passwordHash: string | null;
  tokenSha256: string | null;
  /** TOTP secret encrypted with teleconsult.totpKeyFile (totp1.…). */
  totp: string | null;
  oidcSubject: string | null;
  /** Where the account was made: the configuration (rewritten at each start) or the administration API. */
  source: 'config' | 'admin';
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}
