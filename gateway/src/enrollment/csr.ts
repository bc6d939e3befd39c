/**
 * The gateway's key pair and certificate request, made locally: the private key never leaves
 * the gateway. ECDSA P-256 through Node's WebCrypto; the PKCS#10 request with @peculiar/x509.
 */
import { webcrypto } from 'node:crypto';

/**
 * @peculiar/x509 and reflect-metadata are loaded at the first request, not with the gateway:
 * only `telecart gateway enroll` makes one, and they are ~12 MiB resident (docs/footprint.md).
 */
let x509Loaded: Promise<typeof import('@peculiar/x509')> | undefined;
function loadX509(): Promise<typeof import('@peculiar/x509')> {
  x509Loaded ??= (async () => {
    // @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect API.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // Node's webcrypto is the Web Crypto API x509 expects; the page components' JSX types bring the DOM
    // library's Crypto into this compilation, whose newer Ed25519 overloads Node 20's typings lack.
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return x509Loaded;
}

export async function generateKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const x509 = await loadX509();
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}
