import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildHttpApp, CloudConfig } from '@telecart/cloud';
import { GatewayConfig, type HttpApiDeps, silentLogger, startHttpApi } from '@telecart/gateway';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
// Not exported by @telecart/cloud: the enrollment server is its own app, started by startCloud with TLS.
import { registerEnrollmentRoutes } from '../../../cloud/src/http/routes/enrollment.js';
import { checkConfigCommand } from '../commands/config-check.js';
import {
  buildConfigReference,
  CONFIG_REFERENCE_FILE,
  REGENERATE_COMMAND,
  referenceSections,
  undescribedKeys,
} from './write-config-reference.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const guide = readFileSync(root('docs/configuration.md'), 'utf8');

describe('docs/configuration-reference.md', () => {
  it(`is the one generated from the schemas (run \`${REGENERATE_COMMAND}\`)`, () => {
    const committed = readFileSync(CONFIG_REFERENCE_FILE, 'utf8');
    expect(committed, `docs/configuration-reference.md is stale: run \`${REGENERATE_COMMAND}\` and commit the result`).toBe(
      buildConfigReference(),
    );
  });

  it('describes every key (a `description` in its schema)', () => {
    // IceServer is the wire type of protocol/ (RTCIceServer); its fields are described on `teleconsult.iceServers`.
    const wireType = ['teleconsult.iceServers[].urls', 'teleconsult.iceServers[].username', 'teleconsult.iceServers[].credential'];
    expect(undescribedKeys(GatewayConfig)).toEqual([]);
    expect(undescribedKeys(CloudConfig)).toEqual(wireType);
  });

  it('flattens nested objects and arrays into dotted paths, and says which keys are required', () => {
    const rows = referenceSections(GatewayConfig).flatMap((s) => s.rows);
    const row = (path: string) => rows.find((r) => r.path === path);
    expect(row('gatewayId')?.default).toBe('**required**');
    expect(row('serial.devices[].usb.vendorId')?.allowed).toContain('pattern');
    expect(row('media.video.codec')?.allowed).toBe('`auto`, `h264`, `vp8`');
    expect(row('store.waveformStopRatio')?.allowed).toBe('> 0, ≤ 1');
    expect(row('ble.watch')?.default).toBe('see below');
  });
});

/** Every key path of a schema, `[]` for array items. */
function keyPaths(schema: typeof GatewayConfig | typeof CloudConfig): Set<string> {
  return new Set(referenceSections(schema).flatMap((s) => s.rows.map((r) => r.path)));
}

describe('docs/configuration.md', () => {
  it('links to the generated reference', () => {
    expect(guide).toContain('](configuration-reference.md)');
  });

  it('links only to sections the reference has, and to all of them', () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
    const anchors = [...readFileSync(CONFIG_REFERENCE_FILE, 'utf8').matchAll(/^### (.+)$/gm)].map((m) =>
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    );
    const linked = [...guide.matchAll(/\]\(configuration-reference\.md#([^)]+)\)/g)].map((m) => m[1]);
    expect([...new Set(linked)].sort()).toEqual([...anchors].sort());
  });

  it('names only keys that exist', () => {
    const gateway = keyPaths(GatewayConfig);
    const cloud = keyPaths(CloudConfig);
    const topLevel = new Set([...gateway, ...cloud].map((p) => p.split(/[.[]/)[0]));
    const named = [...guide.matchAll(/`([A-Za-z]+(?:\[\])?(?:\.[A-Za-z]+(?:\[\])?)*)`/g)]
      .map((m) => m[1] ?? '')
      .filter((k) => topLevel.has(k.split(/[.[]/)[0] ?? ''));
    expect(named.length).toBeGreaterThan(10);
    // `serial.devices[]` (the items) is documented on the row of the list, `serial.devices`.
    const known = (k: string) => topLevel.has(k) || [k, k.replace(/\[\]$/, '')].some((p) => gateway.has(p) || cloud.has(p));
    expect(named.filter((k) => !known(k))).toEqual([]);
  });
});

/** `METHOD /path` of every route of a fastify app, from its route tree (HEAD left out: GET implies it). */
function routesOf(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*)(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method} ${path}`);
  }
  return out.sort();
}

/** The routes a section of the guide documents: code spans `METHOD /path` in the first cell of its table rows. */
function documentedRoutes(heading: string): string[] {
  const start = guide.indexOf(`\n${heading}\n`);
  expect(start, `configuration.md has no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const rest = guide.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n#{2,3} /) === -1 ? undefined : rest.search(/\n#{2,3} /));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`(GET|POST|PUT|DELETE|PATCH) (\/[^`\s?]*)`/g)].map((m) => `${m[1]} ${m[2]}`))
    .sort();
}

describe('HTTP route tables of docs/configuration.md', () => {
  it('list every route of the cloud, and only those', async () => {
    // The app's metrics subscribe to stored readings when it is built (http/cloud-metrics.ts).
    const ingest = { onObservation: () => () => undefined };
    // With OpenID Connect configured, so its sign-in routes are registered too.
    const oidc = { config: { name: 'provider' } };
    // With the nurse service, so the nurses' administration routes are registered too.
    const deps = { store: {}, ingest, logger: pino({ level: 'silent' }), teleconsult: {}, oidc, nurses: {} } as unknown as Parameters<
      typeof buildHttpApp
    >[0];
    const app = buildHttpApp(deps);
    try {
      await app.ready();
      expect(documentedRoutes('## HTTP API of the cloud')).toEqual(routesOf(app));
    } finally {
      await app.close();
    }
  });

  it('list the routes of the enrollment endpoint', async () => {
    const app = Fastify();
    registerEnrollmentRoutes(app, { caPem: () => '', enroll: async () => ({ ok: false, status: 400, reason: 'x', error: 'x' }) } as never);
    try {
      await app.ready();
      expect(documentedRoutes('### Enrollment endpoint')).toEqual(routesOf(app));
    } finally {
      await app.close();
    }
  });

  it("list every route of the gateway's local API, and only those", async () => {
    // Route registration only: no handler runs, so the services behind them are not needed.
    const deps = {
      config: { nurseSignIn: { required: false } },
      store: {},
      patients: {},
      devices: {},
      sync: {},
      metrics: {},
      logger: silentLogger,
      version: 'test',
      nurses: { roster: {}, sessions: {}, fullSignIn: {} },
    };
    const api = await startHttpApi(deps as unknown as HttpApiDeps, { host: '127.0.0.1', port: 0 });
    try {
      expect(documentedRoutes('## Local API of the gateway (nurse UI)')).toEqual(routesOf(api.app));
    } finally {
      await api.close();
    }
  });
});

describe('example configurations (configs/)', () => {
  const files = readdirSync(root('configs')).filter((f) => /\.(ya?ml|json)$/.test(f));

  it.each(files)('%s passes `telecart config check`', (f) => {
    expect(checkConfigCommand(root(`configs/${f}`))).toBe(0);
  });

  it.each(files.filter((f) => !f.endsWith('.json')))('%s comments every top-level key it sets', (f) => {
    const lines = readFileSync(root(`configs/${f}`), 'utf8').split('\n');
    const uncommented = lines.flatMap((line, i) => {
      const key = /^([A-Za-z]+):/.exec(line)?.[1];
      if (key === undefined) return [];
      const above = lines[i - 1]?.startsWith('#') ?? false;
      const next = lines[i + 1] ?? '';
      const firstChildCommented = /^\s+\S/.test(next) && next.includes(' # ');
      return line.includes(' # ') || above || firstChildCommented ? [] : [key];
    });
    expect(uncommented).toEqual([]);
  });
});
