/** Puts the teleconsultation side of the cloud together: accounts, logins, the signaling relay. */

import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { accountConfigOf, nurseAccountConfig, seedAccounts } from '../auth/accounts.js';
import type { SignalingService } from '../security/acl.js';
import { AuthThrottle } from '../security/auth-throttle.js';
import type { CloudSecurity } from '../security/cloud-security.js';
import { seedSites } from '../sites/store-sites.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { TeleconsultConfig, TurnRelayConfig } from './config.js';
import type { HomeActClock } from './home-acts.js';
import { LoginSessions } from './logins.js';
import { TeleconsultRelay, type TeleconsultRelayOptions } from './relay.js';
import { SpecialistDirectory } from './specialists.js';
import { readTotpKey, TotpVerifier } from './totp.js';
import type { TurnRestOptions } from './turn-credentials.js';

export interface Teleconsult {
  relay: TeleconsultRelay;
  directory: SpecialistDirectory;
  logins: LoginSessions;
  /** The brake on password guessing, kept in the store (docs/security.md). */
  throttle: AuthThrottle;
  /** Second-factor codes of local accounts, each accepted once. */
  totp: TotpVerifier;
  /** The section it was started with (act codes of the activity export, …). */
  config: TeleconsultConfig;
  /**
   * Brings a request's login and its account in line with the store (several cloud instances: a
   * sign-in, a sign-out everywhere or a disable on another one counts here at the next request).
   */
  syncLogin(token: string | undefined): Promise<void>;
  stop(): Promise<void>;
}

export interface StartTeleconsultOptions {
  brokerUrl: string;
  mqttOptions?: Omit<IClientOptions, 'clientId'>;
  store: CloudStore;
  config: TeleconsultConfig;
  logger: Logger;
  /** Clock of the login throttle (tests move it; default Date.now). */
  throttleClock?: () => number;
  /** Clock of the logins' lifetimes (tests move it; default Date.now). */
  loginClock?: () => number;
  /** How often an act's page gets the patient's latest vitals again (default 15 s). */
  vitalsEveryMs?: number;
  /** An act of this cart changed status or an appointment was claimed (the cart's day is rebuilt). */
  onActChange?: (gatewayId: string) => void;
  /** Clock and timers of the home acts' statuses (tests move them). */
  homeActClock?: HomeActClock;
  /** The acts' rooms on the forwarding unit (tests: hostAddresses; default every interface). */
  forwardingUnit?: TeleconsultRelayOptions['forwardingUnit'];
}

export async function startTeleconsult(o: StartTeleconsultOptions): Promise<Teleconsult> {
  const totpKey = o.config.totpKeyFile === undefined ? undefined : readTotpKey(o.config.totpKeyFile);
  const clinicianIds = new Set(o.config.specialists.map((s) => s.id));
  const clash = o.config.nurses.find((n) => clinicianIds.has(n.id));
  if (clash)
    throw new Error(`teleconsult.nurses ${clash.id}: the id is a clinician's too (teleconsult.specialists); an account has one role`);
  // Sites live in the store, seeded from the configuration (sites/store-sites.ts); the configured
  // accounts (clinicians and nurses) seed the store after them; the directory holds every stored one.
  const sites = await seedSites(o.store, o.config.sites, new Date(), (m) => o.logger.warn(`teleconsult: ${m}`));
  const accounts = await seedAccounts(
    o.store,
    [...o.config.specialists, ...o.config.nurses.map(nurseAccountConfig)],
    sites,
    new Date(),
    (m) => o.logger.warn(`teleconsult: ${m}`),
  );
  const directory = new SpecialistDirectory(accounts, sites, totpKey);
  const totp = new TotpVerifier(o.loginClock);
  // Logins are written through to the store and read back here: a restart signs nobody out.
  const logins = new LoginSessions(
    o.config.loginHours * 3_600_000,
    o.loginClock ?? Date.now,
    o.store,
    (e) => o.logger.error({ err: e }, 'teleconsult: a login could not be saved; it lasts until this process ends'),
    o.config.loginIdleMinutes * 60_000,
  );
  const restored = await logins.restore();
  if (restored > 0) o.logger.info({ logins: restored }, 'teleconsult: clinician logins restored');
  // A disabled account's logins end now, not when they expire (the directory refuses them anyway).
  for (const id of directory.disabledIds()) {
    const ended = logins.endAll(id);
    if (ended > 0) o.logger.warn({ account: id, logins: ended }, 'teleconsult: account disabled: its logins are ended');
  }
  const throttle = new AuthThrottle({
    store: o.store,
    ...(o.throttleClock ? { now: o.throttleClock } : {}),
    onError: (e) => o.logger.warn({ err: e }, 'teleconsult: old login throttle rows could not be pruned'),
  });
  const turn = o.config.turn ? turnRestOptions(o.config.turn) : undefined;
  const relay = await TeleconsultRelay.start({ ...o, directory, ...(turn ? { turn } : {}) });
  if (directory.size === 0) o.logger.info('teleconsult: no specialist configured; calls from carts will wait unanswered');
  return {
    relay,
    directory,
    logins,
    throttle,
    totp,
    config: o.config,
    syncLogin: accountSync(o.store, directory, logins, sites),
    async stop() {
      await relay.stop();
      await logins.flushed(); // logins saved before the store closes
    },
  };
}

/** See Teleconsult.syncLogin: one read of the login, one of its account (docs/teleconsultation.md). */
function accountSync(
  store: CloudStore,
  directory: SpecialistDirectory,
  logins: LoginSessions,
  sites: TeleconsultConfig['sites'],
): (token: string | undefined) => Promise<void> {
  const known = new Set(sites.map((s) => s.id));
  /** The version (updatedAt) of each account last put in the directory: most requests change nothing. */
  const applied = new Map<string, string>();
  return async (token) => {
    if (token === undefined) return;
    await logins.sync(token);
    const id = logins.resolve(token);
    if (id === null) return;
    const a = await store.getAccount(id);
    if (a === null) {
      logins.endAll(id);
      return;
    }
    if (applied.get(id) === a.updatedAt) return;
    directory.put(accountConfigOf({ ...a, sites: a.sites.filter((s) => known.has(s)) }));
    applied.set(id, a.updatedAt);
  };
}

/** The TURN relay's options with its secret read from its file; a missing or short secret stops the start. */
export function turnRestOptions(c: TurnRelayConfig, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): TurnRestOptions {
  let secret: string;
  try {
    secret = read(c.sharedSecretFile).trim();
  } catch (e) {
    throw new Error(`teleconsult.turn.sharedSecretFile ${c.sharedSecretFile}: ${(e as Error).message}`);
  }
  if (secret.length < 16)
    throw new Error(
      `teleconsult.turn.sharedSecretFile ${c.sharedSecretFile}: the secret has ${secret.length} characters, at least 16 are needed`,
    );
  return { urls: c.urls, sharedSecret: secret, ttlSeconds: c.ttlSeconds };
}

/** The relay's MQTT options: its own client certificate (CN telecart-cloud:signaling) when TLS is on. */
export async function signalingMqttOptions(
  security: CloudSecurity | undefined,
  mqttVersion: 4 | 5 | undefined,
  service: SignalingService,
): Promise<IClientOptions> {
  const creds = security ? await security.signalingCredentials(service) : undefined;
  return {
    ...(mqttVersion ? { protocolVersion: mqttVersion } : {}),
    ...(creds ? { key: creds.key, cert: creds.cert, ca: creds.ca, rejectUnauthorized: true } : {}),
  };
}
