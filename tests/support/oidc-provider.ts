/**
 * A real OpenID Connect provider for the sign-in tests: node-oidc-provider (OpenID certified) on a
 * free loopback port, with its own login and consent pages (devInteractions: any login and
 * password is accepted, the login becomes the subject). The test sets the authentication level
 * (acr, amr) the next sign-in gets, and may tamper with the ID token the token endpoint sends,
 * re-signed with the provider's own key, to probe the relying party's checks the way a
 * misbehaving or hostile provider would.
 */
import { createPrivateKey, createSign, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Provider, { type InteractionResults } from 'oidc-provider';
import type { BrowserContext, Page } from 'playwright-core';
import type { OidcConfig } from '../../cloud/src/auth/config.js';

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** acr and amr of the next logins (the level the provider vouches for). */
  level: { acr: string; amr: string[] };
  /** Rewrites the claims of the ID token the token endpoint sends (null = untouched). */
  tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  close(): Promise<void>;
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

/** An RS256 JWS over new claims, with the provider's header (same kid): valid as far as the signature goes. */
function resign(jwt: string, key: KeyObject, change: (c: Record<string, unknown>) => Record<string, unknown>): string {
  const [header = '', payload = ''] = jwt.split('.');
  const claims = change(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>);
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

export async function startTestProvider(o: { redirectUri: string; acrValues: string[] }): Promise<TestProvider> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk: JsonWebKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
  const signingKey = createPrivateKey({ key: jwk, format: 'jwk' });

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clientId = 'telecart-cloud';
  const clientSecret = 'a-client-secret-of-the-test-provider';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [o.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk as never] },
    acrValues: o.acrValues,
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    // amr with the openid scope (the provider gives it only when asked otherwise), and an RPPS-like
    // identifier such as Pro Santé Connect's SubjectNameID, made up from the login here.
    claims: { acr: null, amr: null, auth_time: null, sid: null, openid: ['sub', 'amr', 'SubjectNameID'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, SubjectNameID: `8${id}` }) }),
    features: { devInteractions: { enabled: true } },
  });

  const tp: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    level: { acr: o.acrValues.at(-1) ?? 'eidas1', amr: ['pwd'] },
    tamper: null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  // The level of the login that the dev login page just accepted.
  const finished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (req, res, result: InteractionResults, opts) =>
    finished(req, res, result.login ? { ...result, login: { ...result.login, acr: tp.level.acr, amr: tp.level.amr } } : result, opts);

  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && tp.tamper && body && typeof body.id_token === 'string')
      ctx.body = { ...body, id_token: resign(body.id_token, signingKey, tp.tamper) };
  });
  handler = provider.callback();
  return tp;
}

/** The cloud's `auth.oidc` for this provider: its client, the secret written to `dir`, the given acr policy. */
export function oidcAuthFor(
  provider: TestProvider,
  dir: string,
  redirectUri: string,
  acr: { request: string[]; accept: string[] },
): { oidc: OidcConfig } {
  const clientSecretFile = join(dir, 'client-secret');
  writeFileSync(clientSecretFile, `${provider.clientSecret}\n`, { mode: 0o600 });
  return {
    oidc: {
      issuer: provider.issuer,
      name: 'Hôpital Test',
      clientId: provider.clientId,
      clientSecretFile,
      redirectUri,
      scopes: ['openid'],
      acr,
      subjectClaim: 'sub',
    },
  };
}

/** From the cloud's sign-in page through the provider's own login and consent pages, back to the cloud. */
export async function signInThroughProvider(
  context: BrowserContext,
  cloudUrl: string,
  provider: TestProvider,
  login: string,
  lang: 'fr' | 'en' = 'en',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${cloudUrl}/login?lang=${lang}&next=%2F`);
  await page.click('#login-oidc');
  await page.waitForURL((u) => u.href.startsWith(provider.issuer));
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password the dev page accepts');
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.href.startsWith(provider.issuer) && u.pathname.startsWith('/interaction/'));
  await page.click('button[type=submit]'); // consent: Continue
  await page.waitForURL((u) => u.href.startsWith(cloudUrl));
  return page;
}
