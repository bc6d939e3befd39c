// The cloud's HTTP app at start (docs/footprint.md, « The cloud's start »): Fastify compiling every
// route's schemas when the app gets ready (its default, « eager ») against compiling each on its
// route's first request (cloud/src/http/lazy-schema-compilers.ts, « lazy »). One cloud's parts
// (SQLite in a temporary directory, the embedded broker); buildHttpApp + ready() timed in turns,
// eager and lazy alternated so a busy moment of the shared machine hits both; CPU from
// process.cpuUsage(). The last column compiles, after ready, what lazy left for later: the same work
// eager does, moved off the start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { pino } from 'pino';
import { startCloud } from '../cloud/dist/cloud.js';
import { buildHttpApp } from '../cloud/dist/http/app.js';
import { lazySchemaCompilers } from '../cloud/dist/http/lazy-schema-compilers.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCloudStart({ rounds = 7 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-start-'));
  const logger = pino({ level: 'silent' });
  const cloud = await startCloud({ dataDir: dir, mqttPort: 0, httpPort: 0, host: '127.0.0.1', logger });
  const deps = { store: cloud.store, ingest: cloud.ingest, teleconsult: cloud.teleconsult, alerts: cloud.alerts, logger };
  // Fastify's own defaults, as it builds them when no compilersFactory is given.
  const eager = () => ({ compilersFactory: { buildValidator: AjvCompiler(), buildSerializer: SerializerSelector() }, compileAll: () => 0 });
  const runs = { eager: { wall: [], cpu: [] }, lazy: { wall: [], cpu: [], rest: [], compiled: 0 } };
  try {
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['eager', 'lazy']) {
        const schemaCompilers = mode === 'eager' ? eager() : lazySchemaCompilers();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const app = buildHttpApp({ ...deps, schemaCompilers });
        await app.ready();
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        runs[mode].wall.push(wall);
        runs[mode].cpu.push((c.user + c.system) / 1000);
        if (mode === 'lazy') {
          const t1 = performance.now();
          runs.lazy.compiled = schemaCompilers.compileAll();
          runs.lazy.rest.push(performance.now() - t1);
        }
        await app.close();
      }
    }
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const e = runs.eager;
  const l = runs.lazy;
  return [
    {
      rounds,
      'eager ready ms (median)': Math.round(median(e.wall)),
      'eager CPU ms': Math.round(median(e.cpu)),
      'lazy ready ms (median)': Math.round(median(l.wall)),
      'lazy CPU ms': Math.round(median(l.cpu)),
      'lazy / eager CPU': Number((median(l.cpu) / median(e.cpu)).toFixed(2)),
      'schemas left for first requests': l.compiled,
      'compiling them all after ready ms': Math.round(median(l.rest)),
    },
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.table(await benchCloudStart({ rounds: Number(process.argv[2] ?? 7) }));
}
