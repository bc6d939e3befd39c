/** Configuration of the cloud's TLS, enrollment and MQTT protocol version (imported by cloud/src/config.ts). */
import { type Static, Type } from '@sinclair/typebox';
import { INSTANCE_NAME_PATTERN } from './acl.js';

export const MqttVersionConfig = Type.Union([Type.Literal(4), Type.Literal(5)], {
  description: 'MQTT protocol: 4 = 3.1.1, 5 = MQTT 5 (external brokers; the embedded aedes speaks 3.1.1)',
});
export type MqttVersion = Static<typeof MqttVersionConfig>;

export const CloudTlsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'mutual TLS on the broker, HTTPS enrollment, topic ACLs, revocation' }),
    dir: Type.Optional(Type.String({ minLength: 1, description: 'CA, certificates, CRL and token registry; default <dataDir>/security' })),
    hostnames: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 32,
      description:
        'extra DNS names / IPs the gateways use to reach the cloud (the listen host, localhost, 127.0.0.1 and ::1 are always in)',
    }),
    instance: Type.Optional(
      Type.String({
        pattern: INSTANCE_NAME_PATTERN,
        description:
          "this cloud instance's name in its MQTT client certificates (telecart-cloud:signaling:{instance}:{service}), needed when several instances share one Mosquitto, which makes the certificate's CN the client id; list them all in `telecart cloud mosquitto-files --instances`",
      }),
    ),
    enrollPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8443,
      description: 'HTTPS port of the enrollment endpoint (0 = any free port)',
    }),
  },
  { default: {}, additionalProperties: false },
);
export type CloudTlsConfig = Static<typeof CloudTlsConfig>;
