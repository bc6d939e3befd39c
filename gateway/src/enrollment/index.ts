export { GatewayMqttVersion, GatewayTlsConfig } from './config.js';
export { type GatewayCredentials, GatewayCredentialsError, loadGatewayCredentials } from './credentials.js';
export { generateKeyAndCsr } from './csr.js';
export { EnrollmentError, type EnrollOptions, type EnrollOutcome, enrollGateway, fingerprintOf, normalizeFingerprint } from './enroll.js';
export { type CredentialPaths, credentialPaths } from './files.js';
export { gatewayMqttOptions } from './mqtt-options.js';
