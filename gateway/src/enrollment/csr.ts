/**
 * The gateway's key pair and certificate request, made locally: the private key never leaves
 * the gateway. ECDSA P-256 through Node's WebCrypto; the PKCS#10 request with @peculiar/x509.
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's webcrypto is the Web Crypto API x509 expects; the page components' JSX types bring the DOM
// library's Crypto into this compilation, whose newer Ed25519 overloads Node 20's typings lack.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export async function generateKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
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
