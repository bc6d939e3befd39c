/**
 * The activity export GET /api/acts.csv through a real cloud: acts made by carts over MQTT
 * (completed, cancelled) read back with csv-parse as a spreadsheet would: BOM, ';', French
 * headers and decimal comma, each specialist's carts only, site filter, act code on completed acts
 * only, a reason typed as a formula kept as text, every export audited.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsultCloud, login, PASSWORDS, PageSocket, startConsultCloud, TestCart } from './support.js';

let c: ConsultCloud;
let url: string;
const acts = { completed: randomUUID(), formula: randomUUID(), home: randomUUID() };
const FORMULA = '=HYPERLINK("http://evil.example";"dyspnée; voir")';

async function exportCsv(
  cookie: string,
  query = '',
): Promise<{ status: number; text: string; type: string | null; disposition: string | null }> {
  const r = await fetch(`${url}/api/acts.csv${query}`, { headers: cookie ? { cookie } : {} });
  // ignoreBOM: keep the byte-order mark in the text (fetch's text() would drop it).
  return {
    status: r.status,
    text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await r.arrayBuffer()),
    type: r.headers.get('content-type'),
    disposition: r.headers.get('content-disposition'),
  };
}
const rows = (text: string) => parse(text, { delimiter: ';', bom: true, relax_column_count: false }) as string[][];

beforeAll(async () => {
  c = await startConsultCloud({
    teleconsult: { actCodes: { teleconsultation: 'TCG' } },
    patients: [
      { id: 'p-001', family: 'Martin', given: 'Jeanne', birthDate: '1938-04-02', ins: '238016912304522', gateways: ['cart-1', 'home-1'] },
    ],
  });
  url = c.cloud.httpUrl;
  const cart = await TestCart.connect(c.cloud.mqttUrl, 'cart-1');
  const home = await TestCart.connect(c.cloud.mqttUrl, 'home-1');
  const roux = await PageSocket.open(url, await login(url, 'dr-roux', PASSWORDS['dr-roux']));
  try {
    await cart.call(acts.completed, 'p-001', { reason: 'dyspnée', specialistId: 'dr-roux' });
    await cart.status(acts.completed, 'waiting');
    roux.send({ type: 'join', sessionId: acts.completed });
    await cart.status(acts.completed, 'in-progress');
    await cart.send({ v: 1, type: 'state', sessionId: acts.completed, state: 'connected' });
    await roux.next((m) => m.type === 'state');
    roux.send({ type: 'hangup', sessionId: acts.completed });
    await cart.status(acts.completed, 'completed');

    await cart.call(acts.formula, 'p-001', { reason: FORMULA });
    await cart.status(acts.formula, 'waiting');
    await cart.send({ v: 1, type: 'call-cancel', sessionId: acts.formula });
    await cart.status(acts.formula, 'cancelled');

    await home.call(acts.home, 'p-001', { reason: 'chute' });
    await home.status(acts.home, 'waiting');
    await home.send({ v: 1, type: 'call-cancel', sessionId: acts.home });
    await home.status(acts.home, 'cancelled');
    await c.cloud.teleconsult.relay.flush();
  } finally {
    await roux.close();
    await cart.close();
    await home.close();
  }
});
afterAll(async () => {
  await c?.stop();
});

describe('GET /api/acts.csv', () => {
  it('gives a specialist the acts of their carts, as a French spreadsheet reads them', async () => {
    const roux = await login(url, 'dr-roux', PASSWORDS['dr-roux']);
    const r = await exportCsv(roux);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    // The platform's day (Paris), not UTC's: they differ after midnight in Paris.
    const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    expect(r.disposition).toBe(`attachment; filename="telecart-actes-${parisDay}.csv"`);
    expect(r.text.startsWith('\uFEFFDate;Heure;Durée (min);Statut;')).toBe(true);
    expect(r.text).toContain('\r\n');
    const [header, ...lines] = rows(r.text);
    expect(header).toEqual([
      'Date',
      'Heure',
      'Durée (min)',
      'Statut',
      'Issue',
      'Motif',
      'INS patient',
      'Patient',
      'Spécialiste',
      'Identifiant spécialiste',
      'Site',
      'Chariot',
      'Code acte',
      'Identifiant acte',
    ]);
    expect(lines.map((l) => l[13])).toEqual([acts.completed, acts.formula]);
    const [done, cancelled] = lines as [string[], string[]];
    expect(done[0]).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
    expect(done[1]).toMatch(/^\d{2}:\d{2}$/);
    expect(done[2]).toMatch(/^\d+,\d$/);
    expect(done.slice(3, 13)).toEqual([
      'finalisée',
      'hangup-specialist',
      'dyspnée',
      '238016912304522',
      'p-001',
      'Dr Anne Roux',
      'dr-roux',
      '',
      'cart-1',
      'TCG',
    ]);
    // A cancelled act is not billed; the reason typed as a formula stays text.
    expect(cancelled.slice(3, 6)).toEqual(['annulée', 'cancelled-by-nurse', `'${FORMULA}`]);
    expect(cancelled[2]).toBe('');
    expect(cancelled[12]).toBe('');
  });

  it('gives each specialist their own carts, an auditor every cart, and filters by site and status', async () => {
    const blanc = rows((await exportCsv(await login(url, 'dr-blanc', PASSWORDS['dr-blanc']))).text);
    expect(blanc.slice(1).map((l) => [l[13], l[10]])).toEqual([[acts.home, 'Home kits']]);
    const auditor = await login(url, 'auditor', PASSWORDS.auditor);
    expect(
      rows((await exportCsv(auditor)).text)
        .slice(1)
        .map((l) => l[13]),
    ).toEqual([acts.completed, acts.formula, acts.home]);
    expect(
      rows((await exportCsv(auditor, '?site=home')).text)
        .slice(1)
        .map((l) => l[13]),
    ).toEqual([acts.home]);
    expect(
      rows((await exportCsv(auditor, '?status=completed')).text)
        .slice(1)
        .map((l) => l[13]),
    ).toEqual([acts.completed]);
    const en = await exportCsv(auditor, '?lang=en&status=completed');
    const [h, line] = rows(en.text);
    expect(h?.slice(0, 4)).toEqual(['Date', 'Time', 'Duration (min)', 'Status']);
    expect(line?.[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(line?.[2]).toMatch(/^\d+\.\d$/);
    expect(line?.[3]).toBe('completed');
  });

  it('refuses no login, an unknown site and a bad filter, and audits every export', async () => {
    expect((await exportCsv('')).status).toBe(401);
    const auditor = await login(url, 'auditor', PASSWORDS.auditor);
    const unknown = await exportCsv(auditor, '?site=nowhere');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('no site nowhere');
    expect((await exportCsv(auditor, '?status=finished')).status).toBe(400);
    expect((await exportCsv(auditor, '?from=yesterday')).status).toBe(400);
    await c.cloud.teleconsult.relay.flush();
    const trail = await c.cloud.store.listAudit({ actor: 'auditor' });
    expect(trail.filter((e) => e.action === 'acts-export').map((e) => e.detail)).toContain('1 acts (site=home)');
  });
});
