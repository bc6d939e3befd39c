/**
 * The cloud's certificate authority and enrollment, apart from the package's main entry: they load
 * @peculiar/x509 (about 230 ms), which a cloud without TLS never needs (`@telecart/cloud/security`).
 */
export { CloudSecurity, type EnrollResult } from './cloud-security.js';
export { certFingerprint, checkCsr } from './pki.js';
