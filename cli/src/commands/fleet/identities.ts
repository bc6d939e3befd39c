/**
 * Enrolled identities for the fleet, through the cloud's real enrollment API (docs/security.md):
 * one-time tokens made in the cloud's security registry (what `telecart cloud enroll-token` does),
 * then for each gateway a P-256 key and CSR made here and POST /api/v1/enroll over HTTPS verified
 * against the cloud CA. A few requests at a time over one keep-alive agent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { serverHostnames } from '@telecart/cloud';
import { CloudSecurity } from '@telecart/cloud/security';
import { generateKeyAndCsr } from '@telecart/gateway';
import { compile, formatIssues } from '@telecart/protocol';
import type { Credentials } from './light-gateway.js';

export interface Identity {
  gatewayId: string;
  credentials: Credentials;
}

/** Tokens for `gatewayIds` from the cloud's security directory (the cloud may be running: the registry is shared SQLite). */
export async function makeTokens(
  securityDir: string,
  gatewayIds: readonly string[],
  ttlMs = 3_600_000,
): Promise<{ tokens: string[]; ca: string }> {
  const security = await CloudSecurity.open({ dir: securityDir, hostnames: serverHostnames('127.0.0.1') });
  try {
    return { tokens: gatewayIds.map((id) => security.createToken(id, ttlMs).token), ca: security.caPem() };
  } finally {
    security.close();
  }
}

const EnrollAnswer = compile(
  Type.Object({
    gatewayId: Type.String({ maxLength: 64 }),
    certificate: Type.String({ maxLength: 16_384 }),
    ca: Type.String({ maxLength: 16_384 }),
  }),
);

function post(agent: Agent, url: URL, ca: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        ca,
        timeout: 30_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 65_536) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('enrollment request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Enrolls each gateway with its token; rejects on the first refusal, naming the gateway and the cloud's answer. */
export async function enrollFleet(o: {
  enrollUrl: string;
  ca: string;
  gatewayIds: readonly string[];
  tokens: readonly string[];
  concurrency?: number;
}): Promise<Identity[]> {
  // The cloud charges each enrollment to its source address before checking it and blocks an
  // address after 5 failures in a row (docs/security.md): at most 4 at once never trip it.
  const concurrency = Math.min(4, o.concurrency ?? 4);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL('/api/v1/enroll', o.enrollUrl);
  const out: Identity[] = new Array(o.gatewayIds.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.gatewayIds.length) return;
      const gatewayId = o.gatewayIds[i] as string;
      const { keyPem, csrPem } = await generateKeyAndCsr(gatewayId);
      const r = await post(agent, url, o.ca, JSON.stringify({ token: o.tokens[i], csr: csrPem }));
      if (r.status !== 200) throw new Error(`enrollment of ${gatewayId} refused (${r.status}): ${r.text.slice(0, 300)}`);
      let json: unknown;
      try {
        json = JSON.parse(r.text);
      } catch {
        throw new Error(`enrollment of ${gatewayId}: the answer is not JSON: ${r.text.slice(0, 300)}`);
      }
      const v = EnrollAnswer.validate(json);
      if (!v.ok) throw new Error(`enrollment of ${gatewayId}: malformed answer: ${formatIssues(v.issues)}`);
      if (v.value.gatewayId !== gatewayId) throw new Error(`enrollment of ${gatewayId}: certificate issued for ${v.value.gatewayId}`);
      out[i] = { gatewayId, credentials: { key: keyPem, cert: v.value.certificate, ca: v.value.ca } };
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return out;
}

const IdentityCache = compile(
  Type.Object({
    ca: Type.String({ maxLength: 16_384 }),
    gateways: Type.Record(
      Type.String({ maxLength: 64 }),
      Type.Object({ key: Type.String({ maxLength: 16_384 }), cert: Type.String({ maxLength: 16_384 }) }),
    ),
  }),
);
const CACHE_FILE = 'fleet-identities.json';
const ENROLL_CHUNK = 500;

/**
 * Identities kept between runs in `dir` (next to the cloud security directory that issued them):
 * enrolling 10,000 gateways takes minutes, a measurement run should not. Those missing are enrolled.
 */
export async function cachedIdentities(
  dir: string,
  securityDir: string,
  enrollUrl: string,
  gatewayIds: readonly string[],
): Promise<{ identities: Identity[]; enrolled: number }> {
  const file = join(dir, CACHE_FILE);
  const { ca } = await makeTokens(securityDir, []);
  let cache: { ca: string; gateways: Record<string, { key: string; cert: string }> } = { ca, gateways: {} };
  if (existsSync(file)) {
    const v = IdentityCache.validate(JSON.parse(readFileSync(file, 'utf8')));
    if (!v.ok) throw new Error(`${file} is not a fleet identity cache: ${formatIssues(v.issues)}`);
    // Another CA (the security directory was replaced): the old certificates are worthless.
    if (v.value.ca === ca) cache = v.value;
  }
  const missing = gatewayIds.filter((id) => !cache.gateways[id]);
  // Saved every chunk: an interrupted enrollment of 10,000 keeps what it did.
  for (let i = 0; i < missing.length; i += ENROLL_CHUNK) {
    const chunk = missing.slice(i, i + ENROLL_CHUNK);
    const { tokens } = await makeTokens(securityDir, chunk);
    for (const id of await enrollFleet({ enrollUrl, ca, gatewayIds: chunk, tokens }))
      cache.gateways[id.gatewayId] = { key: id.credentials.key, cert: id.credentials.cert };
    writeFileSync(file, JSON.stringify(cache), { mode: 0o600 });
  }
  return {
    identities: gatewayIds.map((gatewayId) => {
      const c = cache.gateways[gatewayId] as { key: string; cert: string };
      return { gatewayId, credentials: { key: c.key, cert: c.cert, ca } };
    }),
    enrolled: missing.length,
  };
}
