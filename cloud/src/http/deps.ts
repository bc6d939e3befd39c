/** What the HTTP layer needs from the rest of the cloud (narrow, so tests can wire real parts simply). */
import type { Logger } from 'pino';
import type { AlertEngine } from '../alerts/engine.js';
import type { OidcSignIn } from '../auth/oidc.js';
import type { Ingest } from '../ingest/ingest.js';
import type { NurseService } from '../nurses/service.js';
import type { OutboxMetrics } from '../outbox/sender.js';
import type { CloudSecurity } from '../security/cloud-security.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { CodeChannel } from '../store/link-identity-records.js';
import type { ReportVersion } from '../store/report-records.js';
import type { Telecom } from '../teleconsult/config.js';
import type { Teleconsult } from '../teleconsult/service.js';
import type { DataAccessMode } from './access/data-access.js';
import type { LazySchemaCompilers } from './lazy-schema-compilers.js';

export interface HttpDeps {
  store: CloudStore;
  ingest: Pick<Ingest, 'metrics' | 'onObservation' | 'isConnected'>;
  logger: Logger;
  /** Public origin for absolute FHIR URLs behind a reverse proxy, e.g. 'https://telecart.example.org'; default: from the request. */
  publicBaseUrl?: string;
  /** IANA zone the dashboard shows times in (default Europe/Paris). */
  timeZone?: string;
  /** SSE keep-alive comment interval (default 15 s). */
  sseHeartbeatMs?: number;
  /** Specialist accounts, logins and the signaling relay: enables /consult, its WebSocket and the teleconsultation API. */
  teleconsult?: Pick<Teleconsult, 'relay' | 'directory' | 'logins' | 'throttle' | 'config'> &
    Partial<Pick<Teleconsult, 'totp' | 'syncLogin'>>;
  /** 'clinicians' (default): patient data only for logged-in clinicians, by cart; 'open': no login (says so at start). */
  dataAccess?: DataAccessMode;
  /** Telemonitoring alerts: live `alert` events and acknowledgements (without it, acks go to the store directly). */
  alerts?: Pick<AlertEngine, 'onAlert' | 'acknowledge'>;
  /** Reverse proxies whose X-Forwarded-For names the client (req.ip): the login throttle counts per client address. */
  trustProxy?: readonly string[];
  /** The outbox sender's counters (null: no transport configured), exported on /metrics. */
  outbox?: { metrics(): OutboxMetrics | null };
  /** Told after an appointment was booked, moved or closed: the invitations loop enqueues at once. */
  appointmentsChanged?: () => void;
  /** Clock of the join links' expiry (tests move it; default the system's). */
  joinClock?: () => Date;
  /** Sign-in with the OpenID Connect provider (auth.oidc): /auth/oidc/start and /auth/oidc/callback, a button on /login. */
  oidc?: OidcSignIn;
  /** Told after a report version was signed (the links to the referring GP and the patient, outbox/report-link-mailer.ts). */
  reportSigned?: (version: ReportVersion) => void;
  /** The carts' days (agenda/publisher.ts): told when an appointment or a report of a cart changes. */
  agenda?: { changed(gatewayId: string): void };
  /**
   * The home patient's identity check under the join link (routes/join-identity.ts): where a code can
   * go (the patient's own contact, the directory's: directory/patient-contact.ts), which channels the
   * outbox has, and waking its sender. Without it, only the date of birth confirms.
   */
  homeIdentity?: { telecomOf(patientId: string): Promise<Telecom | undefined>; channels: readonly CodeChannel[]; wake(): void };
  /** The carts' patient lists (patients/publisher.ts): told when the directory changes a cart's patients. */
  patientLists?: { changed(gatewayId: string): void };
  /** With tls.enabled: enrolment tokens and revocation of carts, from the administration page. */
  security?: Pick<CloudSecurity, 'createToken' | 'revoke' | 'registry'>;
  /** The channels the outbox can send (on-call contacts are refused without theirs). */
  outboxChannels?: readonly ('email' | 'sms')[];
  /**
   * The carts' nurse lists (nurses/service.ts): republished when an account changes; the
   * administration sets a nurse's PIN and badge through it (routes/admin-nurses.ts).
   */
  nurses?: Pick<NurseService, 'refresh' | 'credentials' | 'setCredentials'>;
  /** The route schemas' compilers (default: a new lazy pair); a test passes its own to compile them all. */
  schemaCompilers?: LazySchemaCompilers;
  /** Mark the login cookie Secure: true, false, or 'auto' (when the request came over HTTPS; default). */
  secureCookies?: boolean | 'auto';
}
