/**
 * The cloud's small certificate authority: ECDSA P-256 keys, X.509 certificates and CRLs built
 * with @peculiar/x509 on Node's WebCrypto (no OpenSSL child process, no hand-written ASN.1).
 *
 * What it signs: the TLS server certificate of the broker and of the enrollment endpoint, the
 * client certificate of the cloud's own ingest, and the client certificate of each gateway (CN =
 * gateway id) from a CSR whose private key never leaves the gateway.
 */
import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node's webcrypto is the Web Crypto API x509 expects; the page components' JSX types bring the DOM
// library's Crypto into this compilation, whose newer Ed25519 overloads Node 20's typings lack.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates and CSRs larger than this are refused before parsing. */
export const MAX_PEM_BYTES = 16_384;

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export interface IssuedCert {
  certPem: string;
  /** Lower-case hex, as stored and as put on the CRL. */
  serial: string;
  notAfter: Date;
}

export type PkiResult<T> = { ok: true; value: T } | { ok: false; error: string };

function pem(label: string, der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, label);
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

async function importPrivateKeyPem(keyPem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  return (await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign'])) as CryptoKey;
}

/** 16 random bytes, top bit clear so the DER integer stays positive and 16 bytes long. */
function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

export function normalizeSerial(serial: string): string {
  return serial
    .replace(/:/g, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

/** SHA-256 of the DER certificate, as `sha256:` + lower-case hex: what an operator pins. */
export function certFingerprint(certPem: string): string {
  const der = Buffer.from(x509.PemConverter.decodeFirst(certPem));
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

export async function createCa(commonName: string, validityDays = 3650, now = new Date()): Promise<KeyAndCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), certPem: cert.toString('pem') };
}

export function parseCertificate(certPem: string): PkiResult<x509.X509Certificate> {
  if (certPem.length > MAX_PEM_BYTES) return { ok: false, error: `certificate of ${certPem.length} bytes exceeds ${MAX_PEM_BYTES}` };
  try {
    return { ok: true, value: new x509.X509Certificate(certPem) };
  } catch (e) {
    return { ok: false, error: `not a PEM X.509 certificate: ${(e as Error).message}` };
  }
}

/** The CN of a certificate's subject, or null when it has none. */
export function commonNameOf(cert: x509.X509Certificate): string | null {
  return cert.subjectName.getField('CN')[0] ?? null;
}

export class CertificateAuthority {
  private constructor(
    readonly cert: x509.X509Certificate,
    readonly certPem: string,
    private readonly key: CryptoKey,
  ) {}

  static async load(ca: KeyAndCert): Promise<CertificateAuthority> {
    const parsed = parseCertificate(ca.certPem);
    if (!parsed.ok) throw new Error(`CA certificate: ${parsed.error}`);
    return new CertificateAuthority(parsed.value, ca.certPem, await importPrivateKeyPem(ca.keyPem));
  }

  fingerprint(): string {
    return certFingerprint(this.certPem);
  }

  private async issue(
    subjectCn: string,
    publicKey: CryptoKey | x509.PublicKey,
    usage: 'server' | 'client',
    validityDays: number,
    now: Date,
    altNames: string[] = [],
  ): Promise<IssuedCert> {
    const serial = randomSerial();
    const notAfter = new Date(Math.min(now.getTime() + validityDays * DAY_MS, this.cert.notAfter.getTime()));
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(this.cert),
    ];
    if (altNames.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(altNames.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }))),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: [{ CN: [subjectCn] }],
      issuer: this.cert.subject,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter,
      signingAlgorithm: SIGN,
      publicKey,
      signingKey: this.key,
      extensions,
    });
    return { certPem: cert.toString('pem'), serial: normalizeSerial(cert.serialNumber), notAfter };
  }

  /** A key pair made here (server and cloud-internal client certificates). */
  async issueWithNewKey(
    commonName: string,
    usage: 'server' | 'client',
    opts: { altNames?: string[]; validityDays?: number; now?: Date } = {},
  ): Promise<KeyAndCert & IssuedCert> {
    const keys = await generateKeys();
    const issued = await this.issue(commonName, keys.publicKey, usage, opts.validityDays ?? 397, opts.now ?? new Date(), opts.altNames);
    return { ...issued, keyPem: await exportPrivateKeyPem(keys.privateKey) };
  }

  /**
   * Signs a gateway's CSR. The subject is set from the enrollment token's gateway id, never
   * taken from the CSR; a CSR naming another CN is refused so a mix-up is caught, not papered over.
   */
  async signGatewayCsr(
    csrPem: string,
    gatewayId: string,
    opts: { validityDays?: number; now?: Date } = {},
  ): Promise<PkiResult<IssuedCert>> {
    const csr = await checkCsr(csrPem, gatewayId);
    if (!csr.ok) return csr;
    const issued = await this.issue(gatewayId, csr.value.publicKey, 'client', opts.validityDays ?? 397, opts.now ?? new Date());
    return { ok: true, value: issued };
  }

  /** A CRL of the given serials (hex), valid for `validityDays` (Mosquitto refuses every client once it is stale). */
  async crl(revoked: readonly { serial: string; revokedAt: Date }[], opts: { validityDays?: number; now?: Date } = {}): Promise<string> {
    const now = opts.now ?? new Date();
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.cert.subject,
      thisUpdate: new Date(now.getTime() - 60_000),
      nextUpdate: new Date(now.getTime() + (opts.validityDays ?? 30) * DAY_MS),
      signingAlgorithm: SIGN,
      signingKey: this.key,
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.revokedAt, reason: x509.X509CrlReason.unspecified })),
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(this.cert)],
    });
    // OpenSSL (Mosquitto's crlfile, Node's tls `crl`) wants the RFC 7468 label, not the library's 'CRL'.
    return pem('X509 CRL', crl.rawData);
  }
}

/** Parses and checks a CSR at the trust boundary: size, PEM, self-signature (proof of key possession), key type, CN. */
export async function checkCsr(csrPem: string, expectedCn: string): Promise<PkiResult<x509.Pkcs10CertificateRequest>> {
  if (csrPem.length > MAX_PEM_BYTES) return { ok: false, error: `CSR of ${csrPem.length} bytes exceeds ${MAX_PEM_BYTES}` };
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    return { ok: false, error: `not a PEM PKCS#10 certificate request: ${(e as Error).message}` };
  }
  let signed = false;
  try {
    signed = await csr.verify();
  } catch (e) {
    return { ok: false, error: `CSR signature cannot be checked: ${(e as Error).message}` };
  }
  if (!signed) return { ok: false, error: 'CSR signature does not match its public key' };
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string; modulusLength?: number };
  const keyOk =
    (alg.name === 'ECDSA' && alg.namedCurve === 'P-256') || (alg.name === 'RSASSA-PKCS1-v1_5' && (alg.modulusLength ?? 0) >= 2048);
  if (!keyOk)
    return { ok: false, error: `unsupported CSR key ${alg.name ?? '?'} ${alg.namedCurve ?? alg.modulusLength ?? ''}: use ECDSA P-256` };
  const cn = csr.subjectName.getField('CN')[0];
  if (cn !== expectedCn)
    return { ok: false, error: `CSR names CN ${JSON.stringify(cn ?? null)}, the token is for gateway ${JSON.stringify(expectedCn)}` };
  return { ok: true, value: csr };
}
