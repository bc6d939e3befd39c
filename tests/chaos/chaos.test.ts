/**
 * The short chaos run inside `npm test`: one trial of every fault kind (gateway, cloud and broker
 * SIGKILLed, broker restarted, network partitioned, 30 % packet loss, gateway clock jumped, gateway
 * disk full) against real processes; every reading the devices delivered must be in the cloud
 * exactly once. A second test tampers with the cloud's database to prove the check sees a lost
 * and a doubled reading. The long run is `npm run chaos`.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { formatTable, runChaos } from './run.js';
import { KINDS, NEEDS_ROOT } from './trials.js';

// Network namespaces, nftables and tmpfs need root (the project's test machines run as root).
const kinds = process.getuid?.() === 0 ? KINDS : KINDS.filter((k) => !NEEDS_ROOT.includes(k));

it('one trial of each fault kind loses nothing and duplicates nothing', async () => {
  const lines: string[] = [];
  const report = await runChaos({ kinds, trialsPerKind: 1, seed: 7, log: (l) => lines.push(l) });
  const table = formatTable(report.summary);
  expect(report.trials).toHaveLength(kinds.length);
  for (const t of report.trials) expect(t.readings, `${t.kind} produced readings`).toBeGreaterThan(0);
  expect(
    report.summary.map((s) => [s.kind, s.lost, s.duplicated, s.notDrained, s.crashes]),
    `${table}\n${lines.join('\n')}`,
  ).toEqual(report.summary.map((s) => [s.kind, 0, 0, 0, 0]));
}, 180_000);

it('counts a reading deleted from the cloud as lost and a copied one as duplicated', async () => {
  const report = await runChaos({
    kinds: ['partition'],
    trialsPerKind: 1,
    seed: 11,
    tamper: (file) => {
      const db = new Database(file);
      try {
        const [last, before] = db
          .prepare<[], { rowid: number; seq: number; json: string }>(
            'SELECT rowid, seq, json FROM observations ORDER BY rowid DESC LIMIT 2',
          )
          .all();
        if (!last || !before) throw new Error('nothing to tamper with');
        db.prepare('DELETE FROM observations WHERE rowid = ?').run(last.rowid);
        // Another reading again under a new id and seq: what a broken dedupe would store.
        const id = randomUUID();
        const seq = before.seq + 1_000_000;
        db.prepare(
          `INSERT INTO observations (id, gateway_id, seq, content_key, patient_id, loinc, mdc, effective, effective_ms, received, stored_at, json)
           SELECT ?, gateway_id, ?, NULL, patient_id, loinc, mdc, effective, effective_ms, received, stored_at, ? FROM observations WHERE rowid = ?`,
        ).run(id, seq, JSON.stringify({ ...(JSON.parse(before.json) as object), id, seq }), before.rowid);
      } finally {
        db.close();
      }
    },
  });
  expect(report.trials.map((t) => [t.lost, t.duplicated + t.unexpected])).toEqual([[1, 1]]);
  expect(report.ok).toBe(false);
}, 120_000);
