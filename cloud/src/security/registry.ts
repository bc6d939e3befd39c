/**
 * What the cloud remembers about gateway identities: one-time enrollment tokens (only their
 * SHA-256 is kept), the certificates it issued, and which were revoked. A SQLite file of its
 * own in the security directory, so the CLI (`telecart cloud enroll-token`, `revoke`) can write
 * it while the cloud runs; the cloud notices changes through `revision()`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isValidGatewayId } from '@telecart/protocol';
import Database from 'better-sqlite3';

export const TOKEN_PREFIX = 'tct1';
const TOKEN_RE = /^tct1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;
export const MAX_TOKEN_TTL_MS = 7 * 24 * 3_600_000;

export type TokenFailure = 'malformed' | 'unknown' | 'used' | 'expired';

export class TokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface IssuedToken {
  token: string;
  gatewayId: string;
  expiresAt: Date;
}

export interface CertRecord {
  serial: string;
  gatewayId: string;
  issuedAt: string;
  notAfter: string;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  hash: Buffer;
  gateway_id: string;
  expires_ms: number;
  used_ms: number | null;
}

interface CertRow {
  serial: string;
  gateway_id: string;
  issued_at: string;
  not_after: string;
  revoked_at: string | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export class SecurityRegistry {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS tokens (
        id TEXT PRIMARY KEY, hash BLOB NOT NULL, gateway_id TEXT NOT NULL,
        created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER);
      CREATE TABLE IF NOT EXISTS certs (
        serial TEXT PRIMARY KEY, gateway_id TEXT NOT NULL, issued_at TEXT NOT NULL,
        not_after TEXT NOT NULL, revoked_at TEXT);
      CREATE INDEX IF NOT EXISTS certs_gateway ON certs (gateway_id);
    `);
  }

  createToken(gatewayId: string, ttlMs = DEFAULT_TOKEN_TTL_MS): IssuedToken {
    if (!isValidGatewayId(gatewayId)) throw new Error(`invalid gateway id ${JSON.stringify(gatewayId)}`);
    if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TOKEN_TTL_MS)
      throw new Error(`token lifetime must be between 1 ms and ${MAX_TOKEN_TTL_MS / 3_600_000} h, got ${ttlMs} ms`);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = this.now().getTime();
    this.db
      .prepare('INSERT INTO tokens (id, hash, gateway_id, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)')
      .run(id, sha256(secret), gatewayId, now, now + ttlMs);
    return { token: `${TOKEN_PREFIX}.${id}.${secret}`, gatewayId, expiresAt: new Date(now + ttlMs) };
  }

  /**
   * Marks the token used and returns its gateway id, or throws TokenError. One UPDATE guarded by
   * `used_ms IS NULL` decides, so two concurrent redemptions (even from two processes) cannot both win.
   */
  consumeToken(token: string): string {
    const m = TOKEN_RE.exec(token);
    if (!m) throw new TokenError('malformed', 'enrollment token is malformed (expected tct1.<id>.<secret>)');
    const [, id = '', secret = ''] = m;
    const row = this.db.prepare('SELECT id, hash, gateway_id, expires_ms, used_ms FROM tokens WHERE id = ?').get(id) as
      | TokenRow
      | undefined;
    if (!row || !timingSafeEqual(row.hash, sha256(secret))) throw new TokenError('unknown', 'enrollment token is not known');
    const now = this.now().getTime();
    if (row.used_ms !== null) throw new TokenError('used', `enrollment token for gateway ${row.gateway_id} was already used`);
    if (now >= row.expires_ms)
      throw new TokenError(
        'expired',
        `enrollment token for gateway ${row.gateway_id} expired at ${new Date(row.expires_ms).toISOString()}`,
      );
    const r = this.db.prepare('UPDATE tokens SET used_ms = ? WHERE id = ? AND used_ms IS NULL AND expires_ms > ?').run(now, id, now);
    if (r.changes !== 1) throw new TokenError('used', `enrollment token for gateway ${row.gateway_id} was already used`);
    return row.gateway_id;
  }

  recordCert(serial: string, gatewayId: string, notAfter: Date): void {
    this.db
      .prepare('INSERT INTO certs (serial, gateway_id, issued_at, not_after) VALUES (?, ?, ?, ?)')
      .run(serial, gatewayId, this.now().toISOString(), notAfter.toISOString());
  }

  /** Revokes every live certificate of the gateway; returns the serials newly revoked. */
  revokeGateway(gatewayId: string): string[] {
    const at = this.now().toISOString();
    return this.db.transaction(() => {
      const rows = this.db.prepare('SELECT serial FROM certs WHERE gateway_id = ? AND revoked_at IS NULL').all(gatewayId) as {
        serial: string;
      }[];
      this.db.prepare('UPDATE certs SET revoked_at = ? WHERE gateway_id = ? AND revoked_at IS NULL').run(at, gatewayId);
      // Unused tokens of a revoked gateway die with it.
      this.db.prepare('UPDATE tokens SET used_ms = ? WHERE gateway_id = ? AND used_ms IS NULL').run(Date.parse(at), gatewayId);
      return rows.map((r) => r.serial);
    })();
  }

  revoked(): { serial: string; gatewayId: string; revokedAt: Date }[] {
    const rows = this.db
      .prepare('SELECT serial, gateway_id, revoked_at FROM certs WHERE revoked_at IS NOT NULL ORDER BY serial')
      .all() as CertRow[];
    return rows.map((r) => ({ serial: r.serial, gatewayId: r.gateway_id, revokedAt: new Date(r.revoked_at ?? 0) }));
  }

  /** Gateways with revoked certificates and no live one (re-enrolled gateways are not listed). */
  revokedGateways(): string[] {
    const rows = this.db
      .prepare(
        `SELECT gateway_id FROM certs GROUP BY gateway_id
         HAVING SUM(revoked_at IS NULL) = 0 AND COUNT(*) > 0 ORDER BY gateway_id`,
      )
      .all() as { gateway_id: string }[];
    return rows.map((r) => r.gateway_id);
  }

  certs(gatewayId?: string): CertRecord[] {
    const rows = (
      gatewayId === undefined
        ? this.db.prepare('SELECT * FROM certs ORDER BY issued_at').all()
        : this.db.prepare('SELECT * FROM certs WHERE gateway_id = ? ORDER BY issued_at').all(gatewayId)
    ) as CertRow[];
    return rows.map((r) => ({
      serial: r.serial,
      gatewayId: r.gateway_id,
      issuedAt: r.issued_at,
      notAfter: r.not_after,
      revokedAt: r.revoked_at,
    }));
  }

  /** Changes whenever another connection (the CLI) committed: cheap to poll. */
  revision(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }
}
