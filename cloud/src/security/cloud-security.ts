/**
 * The cloud's security state in one directory (default `<dataDir>/security`, mode 0700):
 *
 *   ca.key / ca.crt            the CA that signs every telecart certificate (key 0600, never leaves)
 *   server.key / server.crt    TLS server identity of the broker and the enrollment endpoint
 *   ingest-N.key / ingest-N.crt  client identity of ingest worker N (CN telecart-cloud:ingest:N)
 *   signaling-{service}.key / .crt client identity of each signaling service: relay, agenda, patients, nurses
 *                                  (CN telecart-cloud:signaling:{service})
 *   crl.pem                    revoked gateway certificates (rewritten on each revocation)
 *   tls-ticket-key.json        the broker's TLS session-ticket key (0600; ticket-keys.ts)
 *   registry.db                enrollment tokens (hashed), issued certificates, revocations
 *
 * It hands the broker its TLS material, authentication and topic rules, exchanges enrollment
 * tokens for certificates, and revokes. Several processes may open it (cloud, CLI, workers).
 */
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BrokerAuthenticator, BrokerAuthorizer, BrokerTlsOptions } from '../broker/embedded-broker.js';
import {
  checkInstanceName,
  cloudUsers,
  identityFromCn,
  ingestCommonName,
  mayPublish,
  maySubscribe,
  type SignalingService,
  signalingCommonName,
} from './acl.js';
import { type MosquittoSecurityFiles, writeFileAtomic, writeMosquittoSecurityFiles } from './mosquitto-files.js';
import { CertificateAuthority, commonNameOf, createCa, type KeyAndCert, normalizeSerial, parseCertificate } from './pki.js';
import { DEFAULT_TOKEN_TTL_MS, type IssuedToken, SecurityRegistry, TokenError, type TokenFailure } from './registry.js';
import { TicketKeys } from './ticket-keys.js';

export interface CloudSecurityOptions {
  dir: string;
  /** DNS names and IP addresses the server certificate is valid for. */
  hostnames: readonly string[];
  logger?: Logger;
  now?: () => Date;
  /** This instance's name in its client certificates' CNs, when several instances share one Mosquitto. */
  instance?: string;
}

export interface TlsClientCredentials {
  key: string;
  cert: string;
  ca: string;
}

export type EnrollResult =
  | { ok: true; gatewayId: string; certificate: string; ca: string; serial: string; notAfter: string }
  | { ok: false; status: 400 | 401 | 409 | 410; reason: TokenFailure | 'bad-csr'; error: string };

const RENEW_BEFORE_MS = 30 * 86_400_000;

/** Where an identity's key and certificate are kept in the security directory. */
const pairName = (kind: string, instance: string | undefined): string => (instance === undefined ? kind : `${instance}-${kind}`);

function readPair(dir: string, name: string): KeyAndCert | null {
  const key = join(dir, `${name}.key`);
  const crt = join(dir, `${name}.crt`);
  if (!existsSync(key) || !existsSync(crt)) return null;
  return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(crt, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyAndCert): void {
  writeFileAtomic(join(dir, `${name}.key`), pair.keyPem, 0o600);
  writeFileAtomic(join(dir, `${name}.crt`), pair.certPem);
}

/** Whether a stored leaf certificate is still good for these names for a while. */
function stillGood(pair: KeyAndCert | null, now: Date, names?: readonly string[]): boolean {
  if (!pair) return false;
  const c = parseCertificate(pair.certPem);
  if (!c.ok || c.value.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
  if (!names) return true;
  const san = c.value.getExtension('2.5.29.17');
  const text = san ? JSON.stringify(san.toTextObject()) : '';
  return names.every((n) => text.includes(n));
}

export interface CloudSecurityEvents {
  revoked: [{ gatewayId: string; serials: string[] }];
}

export class CloudSecurity extends EventEmitter<CloudSecurityEvents> {
  private revokedSerials = new Set<string>();
  private crlPem = '';
  private lastRevision = -1;
  private pollTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly dir: string,
    readonly ca: CertificateAuthority,
    private readonly server: KeyAndCert,
    readonly registry: SecurityRegistry,
    private readonly now: () => Date,
    private readonly logger: Logger | undefined,
    private readonly instance: string | undefined,
    private readonly ticketKeys: TicketKeys,
  ) {
    super();
  }

  static async open(opts: CloudSecurityOptions): Promise<CloudSecurity> {
    const now = opts.now ?? (() => new Date());
    checkInstanceName(opts.instance);
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    chmodSync(opts.dir, 0o700);
    let caPair = readPair(opts.dir, 'ca');
    if (!caPair) {
      caPair = await createCa('telecart cloud CA', 3650, now());
      writePair(opts.dir, 'ca', caPair);
      opts.logger?.info({ dir: opts.dir }, 'security: created the cloud CA');
    }
    const ca = await CertificateAuthority.load(caPair);
    let server = readPair(opts.dir, 'server');
    if (!stillGood(server, now(), opts.hostnames)) {
      const issued = await ca.issueWithNewKey(opts.hostnames[0] ?? 'localhost', 'server', { altNames: [...opts.hostnames], now: now() });
      server = { keyPem: issued.keyPem, certPem: issued.certPem };
      writePair(opts.dir, 'server', server);
    }
    const registry = new SecurityRegistry(join(opts.dir, 'registry.db'), now);
    const ticketKeys = TicketKeys.open(opts.dir, now, (problem) => opts.logger?.warn({ dir: opts.dir }, `security: ${problem}`));
    const sec = new CloudSecurity(opts.dir, ca, server as KeyAndCert, registry, now, opts.logger, opts.instance, ticketKeys);
    await sec.refresh();
    return sec;
  }

  caPem(): string {
    return this.ca.certPem;
  }

  caFingerprint(): string {
    return this.ca.fingerprint();
  }

  crlFile(): string {
    return join(this.dir, 'crl.pem');
  }

  /** The broker's mutual-TLS server material, with the current CRL and session-ticket key. */
  serverTls(): BrokerTlsOptions {
    return {
      key: this.server.keyPem,
      cert: this.server.certPem,
      ca: this.ca.certPem,
      crl: this.crlPem,
      ticketKey: this.ticketKeys.current(),
    };
  }

  /** Replaces the session-ticket key once it is due (ticket-keys.ts); true when serverTls() changed. */
  rotateTicketKeyIfDue(): boolean {
    const rotated = this.ticketKeys.rotateIfDue();
    if (rotated) this.logger?.info({ dir: this.dir }, 'security: TLS session-ticket key rotated');
    return rotated;
  }

  /** Client certificate of ingest worker `index`, made on first use. */
  async ingestCredentials(index = 0): Promise<TlsClientCredentials> {
    const name = pairName(`ingest-${index}`, this.instance);
    let pair = readPair(this.dir, name);
    if (!stillGood(pair, this.now())) {
      const issued = await this.ca.issueWithNewKey(ingestCommonName(index, this.instance), 'client', { now: this.now() });
      pair = { keyPem: issued.keyPem, certPem: issued.certPem };
      writePair(this.dir, name, pair);
    }
    return { key: (pair as KeyAndCert).keyPem, cert: (pair as KeyAndCert).certPem, ca: this.ca.certPem };
  }

  /** Client certificate of one signaling service (CN telecart-cloud:signaling:{service}), made on first use. */
  async signalingCredentials(service: SignalingService): Promise<TlsClientCredentials> {
    const name = pairName(`signaling-${service}`, this.instance);
    let pair = readPair(this.dir, name);
    if (!stillGood(pair, this.now())) {
      const issued = await this.ca.issueWithNewKey(signalingCommonName(service, this.instance), 'client', { now: this.now() });
      pair = { keyPem: issued.keyPem, certPem: issued.certPem };
      writePair(this.dir, name, pair);
    }
    return { key: (pair as KeyAndCert).keyPem, cert: (pair as KeyAndCert).certPem, ca: this.ca.certPem };
  }

  createToken(gatewayId: string, ttlMs = DEFAULT_TOKEN_TTL_MS): IssuedToken {
    return this.registry.createToken(gatewayId, ttlMs);
  }

  /** Token + CSR → certificate. Every failure is a clear message with an HTTP status; nothing throws. */
  async enroll(token: unknown, csrPem: unknown): Promise<EnrollResult> {
    if (typeof token !== 'string' || token.length > 200)
      return { ok: false, status: 400, reason: 'malformed', error: 'token must be a string' };
    if (typeof csrPem !== 'string') return { ok: false, status: 400, reason: 'bad-csr', error: 'csr must be a PEM string' };
    let gatewayId: string;
    try {
      gatewayId = this.registry.consumeToken(token);
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      const status = e.reason === 'malformed' ? 400 : e.reason === 'used' ? 409 : e.reason === 'expired' ? 410 : 401;
      this.logger?.warn({ reason: e.reason, err: e.message }, 'security: enrollment refused');
      return { ok: false, status, reason: e.reason, error: e.message };
    }
    // The token is spent even if the CSR is bad: a leaked token cannot be retried with another key.
    const signed = await this.ca.signGatewayCsr(csrPem, gatewayId, { now: this.now() });
    if (!signed.ok) {
      this.logger?.warn({ gatewayId, err: signed.error }, 'security: enrollment refused (CSR)');
      return { ok: false, status: 400, reason: 'bad-csr', error: `${signed.error}; ask the operator for a new token` };
    }
    this.registry.recordCert(signed.value.serial, gatewayId, signed.value.notAfter);
    this.logger?.info({ gatewayId, serial: signed.value.serial }, 'security: gateway enrolled');
    return {
      ok: true,
      gatewayId,
      certificate: signed.value.certPem,
      ca: this.ca.certPem,
      serial: signed.value.serial,
      notAfter: signed.value.notAfter.toISOString(),
    };
  }

  /** Revokes every certificate of the gateway, rewrites the CRL, and tells listeners (the broker drops it). */
  async revoke(gatewayId: string): Promise<string[]> {
    const serials = this.registry.revokeGateway(gatewayId);
    await this.refresh();
    this.emit('revoked', { gatewayId, serials });
    this.logger?.warn({ gatewayId, serials }, 'security: gateway revoked');
    return serials;
  }

  isRevoked(serial: string): boolean {
    return this.revokedSerials.has(normalizeSerial(serial));
  }

  /** Re-reads revocations and rewrites crl.pem; returns the revocations that are new to this process. */
  async refresh(): Promise<{ gatewayId: string; serial: string }[]> {
    const all = this.registry.revoked();
    const fresh = all.filter((r) => !this.revokedSerials.has(r.serial));
    this.revokedSerials = new Set(all.map((r) => r.serial));
    if (fresh.length > 0 || this.crlPem === '') {
      this.crlPem = await this.ca.crl(all, { now: this.now() });
      writeFileAtomic(this.crlFile(), this.crlPem);
    }
    this.lastRevision = this.registry.revision();
    return fresh.map((r) => ({ gatewayId: r.gatewayId, serial: r.serial }));
  }

  /** Polls the registry for revocations made by another process (the CLI) and emits them. */
  watch(intervalMs = 1000): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (this.registry.revision() === this.lastRevision) return;
      void this.refresh().then(
        (fresh) => {
          const byGateway = new Map<string, string[]>();
          for (const r of fresh) byGateway.set(r.gatewayId, [...(byGateway.get(r.gatewayId) ?? []), r.serial]);
          for (const [gatewayId, serials] of byGateway) this.emit('revoked', { gatewayId, serials });
        },
        (e: unknown) => this.logger?.error({ err: e }, 'security: could not refresh revocations'),
      );
    }, intervalMs);
    this.pollTimer.unref();
  }

  /** Refuses clients without a usable identity, revoked certificates, and a gateway using another's client id. */
  readonly authenticate: BrokerAuthenticator = (client) => {
    if (client.serial === undefined) return { ok: false, error: 'no client certificate' };
    const who = identityFromCn(client.commonName);
    if (who.role === 'none') return { ok: false, error: who.reason };
    if (this.isRevoked(client.serial)) return { ok: false, error: `certificate ${client.serial} of ${client.commonName} is revoked` };
    if (who.role === 'gateway' && client.clientId !== who.gatewayId)
      return { ok: false, error: `gateway ${who.gatewayId} must connect with client id ${who.gatewayId}, not ${client.clientId}` };
    return { ok: true };
  };

  readonly authorizer: BrokerAuthorizer = {
    authorizePublish: (client, topic) => mayPublish(identityFromCn(client.commonName), topic),
    authorizeSubscribe: (client, filter) => maySubscribe(identityFromCn(client.commonName), filter),
  };

  /** Files for an external Mosquitto (CA, server key/cert, CRL, ACL); see mosquittoListenerConfig(). */
  /** `instances`: the names of the cloud instances sharing that Mosquitto (one unnamed instance by default). */
  writeMosquittoFiles(dir: string, ingestWorkers = 1, instances: readonly (string | undefined)[] = [undefined]): MosquittoSecurityFiles {
    return writeMosquittoSecurityFiles(dir, {
      caCertPem: this.ca.certPem,
      serverKeyPem: this.server.keyPem,
      serverCertPem: this.server.certPem,
      crlPem: this.crlPem,
      ...cloudUsers(ingestWorkers, instances),
      revokedUsers: this.registry.revokedGateways(),
    });
  }

  close(): void {
    clearInterval(this.pollTimer);
    this.registry.close();
  }
}

/** An ingest worker's client certificate as the cloud process wrote it (workers never touch the CA key). */
export function readIngestCredentials(dir: string, index: number, instance?: string): TlsClientCredentials {
  const pair = readPair(dir, pairName(`ingest-${index}`, instance));
  if (!pair) throw new Error(`no ingest certificate ${index} in ${dir}: start the cloud with TLS once to create it`);
  return { key: pair.keyPem, cert: pair.certPem, ca: readFileSync(join(dir, 'ca.crt'), 'utf8') };
}

/** A certificate's CN and serial, for tools and tests. */
export function describeCertificate(certPem: string): { commonName: string | null; serial: string; notAfter: Date } | null {
  const c = parseCertificate(certPem);
  if (!c.ok) return null;
  return { commonName: commonNameOf(c.value), serial: normalizeSerial(c.value.serialNumber), notAfter: c.value.notAfter };
}
