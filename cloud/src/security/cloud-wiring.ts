/**
 * How startCloud() puts the security pieces together, kept here so cloud.ts only calls in:
 * open the security directory, secure the embedded broker, drop revoked gateways, give the
 * ingest its client certificate, serve enrollment.
 */
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { type EmbeddedBroker, type EmbeddedBrokerOptions, SECURED_MAX_PACKET_BYTES } from '../broker/embedded-broker.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { CloudSecurity } from './cloud-security.js';
import type { CloudTlsConfig, MqttVersion } from './config.js';
import { type EnrollmentServer, startEnrollmentServer } from './enrollment-server.js';

export type CloudTlsOptions = Partial<CloudTlsConfig> & { enabled: boolean };

export function securityDir(dataDir: string, tls?: Pick<CloudTlsOptions, 'dir'>): string {
  return tls?.dir ?? join(dataDir, 'security');
}

export function serverHostnames(host: string, extra: readonly string[] = []): string[] {
  const names = [...extra, 'localhost', '127.0.0.1', '::1'];
  if (host !== '0.0.0.0' && host !== '::') names.unshift(host);
  return [...new Set(names)];
}

export async function openCloudSecurity(dataDir: string, host: string, tls: CloudTlsOptions, logger: Logger): Promise<CloudSecurity> {
  // Loaded only with TLS on: the security module brings x509 (docs/region.md, « A cloud instance's start »).
  const { CloudSecurity } = await import('./cloud-security.js');
  return CloudSecurity.open({
    dir: securityDir(dataDir, tls),
    hostnames: serverHostnames(host, tls.hostnames),
    logger,
    ...(tls.instance === undefined ? {} : { instance: tls.instance }),
  });
}

export function securedBrokerOptions(
  security: CloudSecurity,
): Pick<EmbeddedBrokerOptions, 'tls' | 'authenticate' | 'authorizer' | 'maxPacketBytes'> {
  return {
    tls: security.serverTls(),
    authenticate: security.authenticate,
    authorizer: security.authorizer,
    maxPacketBytes: SECURED_MAX_PACKET_BYTES,
  };
}

/** How often the broker's wiring looks whether the session-ticket key is due for rotation. */
const TICKET_KEY_CHECK_MS = 3_600_000;

/**
 * A revocation (here or from the CLI) reaches the broker: new CRL for handshakes, open connections
 * closed (a resumed session is refused by authenticate()'s serial check). The session-ticket key's
 * rotation reaches it the same way. Returns the undo (the rotation's timer).
 */
export function dropRevoked(security: CloudSecurity, broker: EmbeddedBroker, logger: Logger): () => void {
  security.on('revoked', ({ gatewayId, serials }) => {
    broker.updateTls(security.serverTls());
    const n = broker.disconnect((c) => c.serial !== undefined && serials.includes(c.serial));
    logger.warn({ gatewayId, serials, closed: n }, 'broker: revoked gateway disconnected');
  });
  security.watch();
  const rotation = setInterval(() => {
    if (security.rotateTicketKeyIfDue()) broker.updateTls(security.serverTls());
  }, TICKET_KEY_CHECK_MS);
  rotation.unref();
  return () => clearInterval(rotation);
}

/** mqtt.js options of the ingest client: protocol version, and its client certificate when TLS is on. */
export async function ingestMqttOptions(
  security: CloudSecurity | undefined,
  mqttVersion: MqttVersion | undefined,
  workerIndex = 0,
): Promise<IClientOptions> {
  const creds = security ? await security.ingestCredentials(workerIndex) : undefined;
  return {
    ...(mqttVersion ? { protocolVersion: mqttVersion } : {}),
    ...(creds ? { key: creds.key, cert: creds.cert, ca: creds.ca, rejectUnauthorized: true } : {}),
  };
}

export async function startCloudEnrollment(
  security: CloudSecurity,
  host: string,
  tls: CloudTlsOptions,
  mqttUrl: string,
  logger: Logger,
  throttle?: AuthThrottle,
): Promise<EnrollmentServer> {
  return startEnrollmentServer({ security, host, port: tls.enrollPort ?? 8443, logger, mqttUrl, ...(throttle ? { throttle } : {}) });
}
