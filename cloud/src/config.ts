/**
 * The cloud's configuration schema (TypeBox), for the CLI's config loader. Field names match
 * `startCloud()` options so a loaded config can be passed straight through.
 */
import { CloneType, type Static, Type } from '@sinclair/typebox';
import { PatientRef } from '@telecart/protocol';
import { TelemonitoringConfig, TelemonitoringEnrollment } from './alerts/config.js';
import { CloudTlsConfig, MqttVersionConfig } from './security/config.js';
import { DbUrl } from './store/db-url.js';
import { TeleconsultConfig } from './teleconsult/config.js';

export const PatientSeedConfig = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'local patient id, as the gateways use it' }),
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
  },
  { additionalProperties: false },
);

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const CloudConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: 'data/cloud', description: 'where the cloud keeps its database' }),
    db: Type.Optional(DbUrl),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the broker and the HTTP server listen on' }),
    mqttPort: Type.Optional(
      CloneType(Port, { description: 'embedded broker port (0 = any free port); default 1883, 8883 with tls.enabled' }),
    ),
    httpPort: Type.Optional(CloneType(Port, { description: 'HTTP API, dashboard and /consult port (0 = any free port); default 8080' })),
    externalBrokerUrl: Type.Optional(
      Type.String({ pattern: '^(mqtts?|wss?|tcp)://', description: 'use this broker instead of the embedded one' }),
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
    telemonitoring: TelemonitoringConfig,
  },
  { additionalProperties: false, $id: 'CloudConfig' },
);
export type CloudConfig = Static<typeof CloudConfig>;
