/**
 * The cloud's configuration schema (TypeBox) and its one validation, `validateCloudConfig`
 * (schema + `checkCloudConfig`), shared by `telecart config check` and the runtime. Field names
 * match `startCloud()` options so a loaded config can be passed straight through.
 */
import { CloneType, type Static, Type } from '@sinclair/typebox';
import {
  brokerConnectArgs,
  type ConfigIssue,
  type ConfigValidation,
  formatConfigIssue,
  isCalendarDate,
  isTimeZone,
  PatientRef,
  splitBrokerUrls,
  urlProblem,
  validateConfig,
} from '@telecart/protocol';
import { EnrollmentError, resolveEnrollment, TelemonitoringConfig, TelemonitoringEnrollment } from './alerts/config.js';
import { AlertNotificationsConfig, checkAlertNotifications, type NotifyTeam } from './alerts/notify/config.js';
import { AuthConfig } from './auth/config.js';
import { OutboxConfig } from './outbox/config.js';
import { CloudTlsConfig, MqttVersionConfig } from './security/config.js';
import { DbUrl } from './store/db-url.js';
import { checkIceServers, checkTeleconsultAccounts, Telecom, TeleconsultConfig } from './teleconsult/config.js';

export const PatientSeedConfig = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "the cloud's patient id, unique across sites (FHIR Patient id, dashboard, store)",
    }),
    localId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "what this patient's carts or home kits call it on their readings (default: id); unique only among patients sharing a gateway",
      }),
    ),
    ins: Type.Optional(PatientRef.properties.ins),
    insOid: Type.Optional(
      CloneType(PatientRef.properties.insOid, { description: 'OID qualifying the INS: …4.8 NIR, .9 NIA, .10 test, .11 demo' }),
    ),
    family: Type.String({ minLength: 1, maxLength: 100, description: 'family name' }),
    given: Type.String({ minLength: 1, maxLength: 100, description: 'given name' }),
    birthDate: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD' })),
    gateways: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }), {
        maxItems: 100,
        description:
          'carts or home kits (gateway ids) that serve this patient: the only gateways whose readings of it the cloud stores; their clinicians see the patient and its alerts',
      }),
    ),
    telemonitoring: Type.Optional(TelemonitoringEnrollment),
    telecom: Type.Optional(
      CloneType(Telecom, {
        description:
          "the seed of the patient's own contact in the directory (written at start while no one set or removed it there): where a home act's invitations and reminders, the identity code and the reports' links go",
      }),
    ),
    referringGp: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200, description: 'the GP’s name, as the mail greets them' }),
          email: Type.String({
            pattern: '^[^@\\s<>]+@[^@\\s<>]+$',
            maxLength: 320,
            description: 'receives a download link to each signed report (never its content)',
          }),
        },
        {
          additionalProperties: false,
          description: 'the patient’s referring GP (médecin traitant): told of each signed report or correction with a download link',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const CloudConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: 'data/cloud', description: 'where the cloud keeps its database' }),
    db: Type.Optional(DbUrl),
    sqliteIntakeThread: Type.Optional(
      Type.Boolean({
        description:
          "SQLite store: commit the ingest's readings and statuses in a worker thread, off the event loop (default true; false: on the event loop)",
      }),
    ),
    embeddedIngest: Type.Optional(
      Type.Union([Type.Literal('in-process'), Type.Literal('mqtt')], {
        description:
          "embedded broker: the ingest takes the gateways' batches from the broker in its process ('in-process', the default) or as an MQTT client of the broker's internal listener ('mqtt': a second TLS and MQTT hop per batch and ack; the previous layout)",
      }),
    ),
    brokerUplinkCredit: Type.Optional(
      Type.Union(
        [
          Type.Literal(false),
          Type.Object(
            {
              maxInFlight: Type.Integer({
                minimum: 1,
                description: 'uplink batches awaiting the ingest’s ack beyond which no gateway is admitted',
              }),
              forgetAfterMs: Type.Optional(
                Type.Integer({ minimum: 1, description: 'an uplink never acked stops counting after this (default 30,000)' }),
              ),
              targetAckMs: Type.Optional(
                Type.Integer({
                  minimum: 1,
                  description:
                    'follow the store: the bound is the acks per second of the last 10 s × this, between minInFlight and maxInFlight',
                }),
              ),
              minInFlight: Type.Optional(
                Type.Integer({ minimum: 1, description: 'with targetAckMs: the bound never falls below this (default maxInFlight ÷ 4)' }),
              ),
            },
            { additionalProperties: false },
          ),
        ],
        {
          description:
            'embedded broker: admit a reconnecting gateway only while fewer uplink batches than the bound await the ingest’s ack (default { maxInFlight: 4000, minInFlight: 250, targetAckMs: 12000 }: 12 s of the measured ack rate; without targetAckMs, maxInFlight fixed; false: no such bound)',
        },
      ),
    ),
    brokerConnectRate: Type.Optional(
      Type.Union(
        [
          Type.Literal(false),
          Type.Object(
            {
              perSecond: Type.Number({ exclusiveMinimum: 0, description: 'gateway connections admitted per second, sustained' }),
              burst: Type.Integer({ minimum: 1, description: 'connections admitted at once after a quiet period' }),
              maxPending: Type.Optional(
                Type.Integer({ minimum: 1, description: 'admitted connections still in their TLS handshake at most' }),
              ),
              maxQueued: Type.Optional(
                Type.Integer({ minimum: 0, description: 'connections held unread (before any handshake) at most, waiting their turn' }),
              ),
              minQueued: Type.Optional(
                Type.Integer({
                  minimum: 0,
                  description: 'size the queue by the admissions of the last 10 s × maxWaitMs, never below this (unset: maxQueued fixed)',
                }),
              ),
              maxWaitMs: Type.Optional(
                Type.Integer({
                  minimum: 1,
                  description: 'a held connection not admitted within this is refused (keep it under the gateways’ 30 s connect timeout)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ],
        {
          description:
            'embedded broker: load shedding at the door in a reconnect storm (default { perSecond: 800, burst: 400, maxPending: 64, maxQueued: 10000, minQueued: 2000, maxWaitMs: 25000 }; false: no bound)',
        },
      ),
    ),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the broker and the HTTP server listen on' }),
    mqttPort: Type.Optional(
      CloneType(Port, { description: 'embedded broker port (0 = any free port); default 1883, 8883 with tls.enabled' }),
    ),
    httpPort: Type.Optional(CloneType(Port, { description: 'HTTP API, dashboard and /consult port (0 = any free port); default 8080' })),
    externalBrokerUrl: Type.Optional(
      Type.String({
        pattern: '^(mqtts?|wss?|tcp)://',
        description: 'use this broker instead of the embedded one; several nodes of one cluster as a comma-separated list',
      }),
    ),
    ingestShared: Type.Optional(Type.Boolean({ description: 'subscribe with $share so several cloud instances split the uplinks' })),
    mqttVersion: Type.Optional(MqttVersionConfig),
    ingestWorkers: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'ingest worker processes sharing the uplinks (external broker)' }),
    ),
    tls: CloudTlsConfig,
    publicBaseUrl: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'public origin for absolute FHIR URLs behind a proxy' }),
    ),
    trustProxy: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$', maxLength: 64 }), {
        maxItems: 64,
        description:
          'addresses or CIDR ranges of the reverse proxies in front of the HTTP port: their X-Forwarded-For names the client, whom the login throttle counts (default none: the peer address counts)',
      }),
    ),
    dataAccess: Type.Union([Type.Literal('clinicians'), Type.Literal('open')], {
      default: 'clinicians',
      description:
        "who reads patient data over HTTP: 'clinicians' = logged-in teleconsult.specialists accounts, each seeing the patients of its carts; 'open' = anyone who reaches the port (closed networks only; logged as a warning)",
    }),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the dashboard, default Europe/Paris' }),
    ),
    patients: Type.Array(PatientSeedConfig, {
      default: [],
      maxItems: 100_000,
      description: 'patients known to the care team, written to the store at start',
    }),
    teleconsult: TeleconsultConfig,
    auth: AuthConfig,
    telemonitoring: TelemonitoringConfig,
    outbox: Type.Optional(OutboxConfig),
    alertNotifications: AlertNotificationsConfig,
  },
  { additionalProperties: false, $id: 'CloudConfig' },
);
export type CloudConfig = Static<typeof CloudConfig>;

/** The fields `checkCloudConfig` reads: a loaded CloudConfig and startCloud's options both fit. */
export interface CloudConfigSemantics {
  timeZone?: string | undefined;
  db?: string | undefined;
  externalBrokerUrl?: string | undefined;
  publicBaseUrl?: string | undefined;
  mqttVersion?: 4 | 5 | undefined;
  ingestWorkers?: number | undefined;
  patients?:
    | readonly {
        id: string;
        localId?: string | undefined;
        gateways?: readonly string[] | undefined;
        birthDate?: string | undefined;
        telemonitoring?: TelemonitoringEnrollment | undefined;
      }[]
    | undefined;
  teleconsult?:
    | {
        specialists?: readonly { id: string; sites?: readonly string[]; oidcSubject?: string | undefined }[];
        sites?: readonly { id: string }[];
        iceServers?: readonly { urls: string | readonly string[]; username?: string | undefined; credential?: string | undefined }[];
      }
    | undefined;
  outbox?: { email?: unknown; sms?: unknown } | undefined;
  alertNotifications?: { teams?: readonly NotifyTeam[] } | undefined;
}

/**
 * Everything the cloud refuses beyond the schema's structure, one issue per problem; [] when fine.
 * `validateCloudConfig` (config check, `telecart cloud`) and `startCloud` both run it.
 */
export function checkCloudConfig(c: CloudConfigSemantics): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  // The dashboard, patient and alert pages format every time in this zone: an unknown one answers 500.
  if (c.timeZone !== undefined && !isTimeZone(c.timeZone))
    add(['timeZone'], `unknown time zone "${c.timeZone}" (expected an IANA zone such as Europe/Paris)`);
  const url = (key: string, value: string | undefined, protocols: string[]) => {
    const p = value === undefined ? undefined : urlProblem(value, protocols);
    if (p) add([key], p);
  };
  url('db', c.db, ['postgres:', 'postgresql:']);
  // A comma-separated list names the nodes of one broker cluster (docs/region.md): each one checked,
  // then the list as a whole (TLS and plain nodes mixed) once every entry is a URL.
  const brokers = c.externalBrokerUrl === undefined ? [] : splitBrokerUrls(c.externalBrokerUrl);
  const before = problems.length;
  for (const u of brokers) url('externalBrokerUrl', u, ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']);
  if (brokers.length > 1 && problems.length === before && c.externalBrokerUrl !== undefined) {
    try {
      brokerConnectArgs(c.externalBrokerUrl);
    } catch (e) {
      add(['externalBrokerUrl'], (e as Error).message);
    }
  }
  url('publicBaseUrl', c.publicBaseUrl, ['http:', 'https:']);
  if (c.externalBrokerUrl === undefined) {
    if (c.mqttVersion === 5)
      add(['mqttVersion'], 'MQTT 5 needs an external broker (externalBrokerUrl): the embedded aedes speaks MQTT 3.1.1');
    if ((c.ingestWorkers ?? 1) > 1)
      add(
        ['ingestWorkers'],
        'several ingest workers need an external broker (externalBrokerUrl): the embedded one has no shared subscriptions',
      );
  }
  const ids = new Set<string>();
  // gateway → local id → index of the patient that gateway's readings of that local id belong to.
  const localIds = new Map<string, Map<string, number>>();
  (c.patients ?? []).forEach((p, i) => {
    const duplicate = ids.has(p.id);
    if (duplicate)
      add(
        ['patients', i, 'id'],
        `duplicate patient id "${p.id}": two entries would merge into one patient served by both sites' carts; give each site's patient its own id (e.g. a site prefix) and keep what the carts call it in localId`,
      );
    ids.add(p.id);
    const localId = p.localId ?? p.id;
    // A duplicate id is already refused above: one message per mistake.
    for (const g of duplicate ? [] : new Set(p.gateways ?? [])) {
      const byLocal = localIds.get(g) ?? new Map<string, number>();
      localIds.set(g, byLocal);
      const other = byLocal.get(localId);
      if (other === undefined) byLocal.set(localId, i);
      else
        add(
          ['patients', i, p.localId === undefined ? 'id' : 'localId'],
          `local id "${localId}" on gateway "${g}" already names patient ${JSON.stringify(c.patients?.[other]?.id)} (patients[${other}]): a reading of it from that gateway could not be attributed; give one of them another localId`,
        );
    }
    if (p.birthDate !== undefined && !isCalendarDate(p.birthDate))
      add(['patients', i, 'birthDate'], `expected a real calendar date YYYY-MM-DD (got "${p.birthDate}")`);
    if (p.telemonitoring === undefined) return;
    try {
      resolveEnrollment(p.id, p.telemonitoring);
    } catch (e) {
      if (!(e instanceof EnrollmentError)) throw e;
      add(['patients', i, 'telemonitoring', ...e.path], e.reason);
    }
  });
  problems.push(...checkTeleconsultAccounts(c.teleconsult?.specialists ?? [], c.teleconsult?.sites ?? []));
  problems.push(...checkIceServers(c.teleconsult?.iceServers ?? []));
  problems.push(...checkAlertNotifications(c.alertNotifications, c.outbox));
  return problems;
}

/** Raw (parsed YAML/JSON) → a complete config with defaults, or every issue: the one cloud validation. */
export function validateCloudConfig(raw: unknown): ConfigValidation<CloudConfig> {
  return validateConfig(CloudConfig, raw, checkCloudConfig);
}

export class CloudConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid cloud configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CloudConfigError';
  }
}

/** Throws CloudConfigError listing every problem (startCloud's guard for options built in code). */
export function assertCloudConfig(c: CloudConfigSemantics): void {
  const problems = checkCloudConfig(c);
  if (problems.length > 0) throw new CloudConfigError(problems.map(formatConfigIssue));
}
