/** The sync client's extra mqtt.js options: protocol version, and the TLS client identity for mqtts:// and wss://. */
import type { IClientOptions } from 'mqtt';
import { loadGatewayCredentials } from './credentials.js';
import { credentialPaths } from './files.js';

export function gatewayMqttOptions(o: {
  cloudUrl: string;
  gatewayId: string;
  dataDir: string;
  tlsDir?: string;
  mqttVersion?: 4 | 5;
}): Omit<IClientOptions, 'clientId' | 'clean' | 'will' | 'reconnectPeriod'> {
  const version = o.mqttVersion ? { protocolVersion: o.mqttVersion } : {};
  if (!/^(mqtts|wss):\/\//.test(o.cloudUrl)) return version;
  const c = loadGatewayCredentials(credentialPaths(o.dataDir, o.tlsDir), o.gatewayId);
  return { ...version, key: c.key, cert: c.cert, ca: c.ca, rejectUnauthorized: true };
}
