/**
 * `npm run chaos`: at least 100 trials (CHAOS_TRIALS per kind, default 13 × 8 kinds), then the
 * table. Fails (non-zero exit) on any reading lost or stored twice. CHAOS_SEED replays a run,
 * CHAOS_KINDS=a,b limits the kinds, CHAOS_KEEP=1 keeps every rig's directory.
 */
import { writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { formatTable, runChaos } from './run.js';
import { KINDS, type Kind } from './trials.js';

const kinds = (process.env.CHAOS_KINDS?.split(',').filter(Boolean) ?? [...KINDS]) as Kind[];
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`CHAOS_KINDS: unknown kind ${k} (known: ${KINDS.join(', ')})`);

it('survives 100+ faults with every reading in the cloud exactly once', async () => {
  const report = await runChaos({
    kinds,
    trialsPerKind: Number(process.env.CHAOS_TRIALS ?? 13),
    seed: Number(process.env.CHAOS_SEED ?? 1),
    keep: process.env.CHAOS_KEEP === '1',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const table = formatTable(report.summary);
  process.stdout.write(`\nchaos run, seed ${report.seed}, ${report.seconds} s\n${table}\n`);
  if (process.env.CHAOS_REPORT) writeFileSync(process.env.CHAOS_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  expect(report.ok, table).toBe(true);
});
