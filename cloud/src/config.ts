/**
 * The cloud's configuration schema (TypeBox), for the CLI's config loader. Field names match
 * `startCloud()` options so a loaded config can be passed straight through.
 */
import { type Static, Type } from '@sinclair/typebox';
import { PatientRef } from '@telecart/protocol';
import { CloudTlsConfig, MqttVersionConfig } from './security/config.js';
import { DbUrl } from './store/db-url.js';
import { TeleconsultConfig } from './teleconsult/config.js';

export const PatientSeedConfig = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'local patient id, as the gateways use it' }),
    ins: Type.Optional(PatientRef.properties.ins),
    insOid: Type.Optional(PatientRef.properties.insOid),
    family: Type.String({ minLength: 1, maxLength: 100 }),
    given: Type.String({ minLength: 1, maxLength: 100 }),
    birthDate: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD' })),
  },
  { additionalProperties: false },
);

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const CloudConfig = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: 'data/cloud', description: 'where the cloud keeps its database' }),
    db: Type.Optional(DbUrl),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the broker and the HTTP server listen on' }),
    mqttPort: Type.Optional(Port),
    httpPort: Type.Optional(Port),
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
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the dashboard, default Europe/Paris' }),
    ),
    patients: Type.Array(PatientSeedConfig, { default: [], maxItems: 100_000 }),
    teleconsult: TeleconsultConfig,
  },
  { additionalProperties: false, $id: 'CloudConfig' },
);
export type CloudConfig = Static<typeof CloudConfig>;
