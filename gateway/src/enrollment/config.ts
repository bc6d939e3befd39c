/** The gateway's link-security settings (imported by gateway/src/config.ts). */
import { type Static, Type } from '@sinclair/typebox';

export const GatewayMqttVersion = Type.Union([Type.Literal(4), Type.Literal(5)], {
  default: 4,
  description: 'MQTT protocol to the cloud: 4 = 3.1.1 (works with every broker, the embedded one included), 5 = MQTT 5',
});

export const GatewayTlsConfig = Type.Object(
  {
    dir: Type.Optional(
      Type.String({ minLength: 1, description: 'key.pem, cert.pem and ca.pem from `telecart gateway enroll`; default <dataDir>/tls' }),
    ),
  },
  { default: {}, additionalProperties: false, description: 'used when the cloud URL is mqtts:// or wss://' },
);
export type GatewayTlsConfig = Static<typeof GatewayTlsConfig>;
