/** Announced in the gateway's status; kept in step with gateway/package.json. */
export const GATEWAY_VERSION = '0.1.0';
