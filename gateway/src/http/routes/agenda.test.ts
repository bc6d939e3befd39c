/**
 * The cart's day at the gateway, its trust boundary with the cloud: a real SQLite store, real
 * Fastify on loopback, a real HTTP server on loopback standing for the cloud's link. A bad day
 * (not JSON, off the schema, for another cart) is refused and the last good one kept; a restart
 * keeps it; the documents of the current patient are listed without the cloud's token and the PDF
 * is streamed through the gateway; a link that is not HTTPS off loopback is not followed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CartAgenda } from '@telecart/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CartDay } from '../../agenda/cart-day.js';
import type { Logger } from '../../logger.js';
import { ReadingStore } from '../../store/reading-store.js';
import { manualClock, type TempDir, tempDir } from '../../testing/fixtures.js';
import { registerAgendaRoutes } from './agenda.js';

const PDF = Buffer.from('%PDF-1.7\n% a test document\n%%EOF\n', 'latin1');
const DOC_ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

function dayFor(cloudUrl: string, over: Partial<CartAgenda> = {}): CartAgenda {
  return {
    v: 1,
    gatewayId: 'cart-1',
    at: '2026-12-06T06:00:00.000Z',
    day: '2026-12-06',
    timeZone: 'Europe/Paris',
    acts: [
      {
        id: 'apt-1',
        start: '2026-12-06T09:00:00.000Z',
        end: '2026-12-06T09:20:00.000Z',
        patient: 'r12',
        specialist: 'Dr Anne Roux',
        specialty: null,
        status: 'scheduled',
        reason: 'plaie du talon',
      },
    ],
    documents: [
      {
        id: DOC_ID,
        patient: 'r12',
        title: 'Compte-rendu de téléconsultation',
        date: '2026-12-05T15:00:00.000Z',
        signer: 'Dr Anne Roux',
        version: 1,
        url: `${cloudUrl}/r/token-of-the-test`,
        expiresAt: '2026-12-12T15:00:00.000Z',
      },
    ],
    ...over,
  };
}

describe('the cart’s day at the gateway', () => {
  let dir: TempDir;
  let store: ReadingStore;
  let app: FastifyInstance;
  let cloud: Server;
  let cloudUrl: string;
  let url: string;
  let warnings: string[];
  let cartDay: CartDay;
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (o, m) => warnings.push(`${m} ${JSON.stringify(o)}`),
    error: () => undefined,
  };

  async function serve(day: CartDay): Promise<void> {
    await app?.close();
    app = Fastify();
    registerAgendaRoutes(app, day);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }

  beforeEach(async () => {
    dir = tempDir();
    warnings = [];
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1', clock: manualClock(Date.parse('2026-12-06T06:00:00Z')) });
    cloud = createServer((req, res) => {
      if (req.url === '/r/token-of-the-test') {
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length });
        res.end(PDF);
      } else {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end('{"message":"expired"}');
      }
    });
    await new Promise<void>((r) => cloud.listen(0, '127.0.0.1', r));
    cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
    cartDay = new CartDay({ gatewayId: 'cart-1', store, logger });
    await serve(cartDay);
  });
  afterEach(async () => {
    await app.close();
    await new Promise((r) => cloud.close(r));
    store.close();
    dir.remove();
  });

  const get = async (path: string) => {
    const r = await fetch(`${url}${path}`);
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('shows nothing before the cloud spoke, then the day it sent', async () => {
    expect((await get('/api/agenda')).json).toEqual({ day: null, timeZone: null, at: null, acts: [] });
    expect(cartDay.receive(Buffer.from(JSON.stringify(dayFor(cloudUrl))))).toBe(true);
    const a = await get('/api/agenda');
    expect(a.json).toMatchObject({ day: '2026-12-06', timeZone: 'Europe/Paris' });
    expect(a.json.acts).toEqual(dayFor(cloudUrl).acts);
  });

  it('refuses a bad day (logged) and keeps the last good one, also across a restart', async () => {
    cartDay.receive(Buffer.from(JSON.stringify(dayFor(cloudUrl))));
    expect(cartDay.receive(Buffer.from('{not json'))).toBe(false);
    expect(cartDay.receive(Buffer.from(JSON.stringify({ ...dayFor(cloudUrl), acts: [{ id: 'x' }] })))).toBe(false);
    expect(cartDay.receive(Buffer.from(JSON.stringify(dayFor(cloudUrl, { gatewayId: 'cart-2', acts: [] }))))).toBe(false);
    expect(cartDay.refusals()).toEqual({ oversize: 0, 'not-json': 1, schema: 1, 'wrong-gateway': 1 });
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toMatch(/refused a day from the cloud.*\/acts\/0/);
    expect(warnings[2]).toMatch(/for cart-2, this cart is cart-1/);
    expect(((await get('/api/agenda')).json.acts as unknown[]).length).toBe(1);

    // Restart: a new store on the same file, a new day object, no cloud.
    store.close();
    store = new ReadingStore({ dataDir: dir.path, gatewayId: 'cart-1', clock: manualClock(Date.parse('2026-12-06T07:00:00Z')) });
    cartDay = new CartDay({ gatewayId: 'cart-1', store, logger });
    await serve(cartDay);
    expect((await get('/api/agenda')).json.acts).toEqual(dayFor(cloudUrl).acts);
    expect(((await get('/api/documents?patient=r12')).json.documents as unknown[]).length).toBe(1);
  });

  it('lists a patient’s documents without the cloud’s link and streams the PDF through the gateway', async () => {
    cartDay.receive(Buffer.from(JSON.stringify(dayFor(cloudUrl))));
    const docs = await get('/api/documents?patient=r12');
    expect(docs.json).toEqual({
      patient: 'r12',
      documents: [
        {
          id: DOC_ID,
          title: 'Compte-rendu de téléconsultation',
          date: '2026-12-05T15:00:00.000Z',
          signer: 'Dr Anne Roux',
          version: 1,
          href: `/api/documents/${DOC_ID}/pdf`,
        },
      ],
    });
    expect(JSON.stringify(docs.json)).not.toContain('token-of-the-test');
    expect((await get('/api/documents?patient=r13')).json.documents).toEqual([]);
    expect((await get('/api/documents')).status).toBe(400);

    const pdf = await fetch(`${url}/api/documents/${DOC_ID}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer())).toEqual(PDF);
    expect((await get('/api/documents/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c/pdf')).status).toBe(404);
  });

  it('says why a document cannot be opened: an expired link, a link that is not HTTPS off loopback', async () => {
    const expired = dayFor(cloudUrl);
    const doc = expired.documents[0];
    if (!doc) throw new Error('fixture');
    doc.url = `${cloudUrl}/r/another-token`;
    cartDay.receive(Buffer.from(JSON.stringify(expired)));
    const gone = await get(`/api/documents/${DOC_ID}/pdf`);
    expect(gone.status).toBe(502);
    expect(gone.json.message).toMatch(/answered 410 .*link expired/);

    doc.url = 'http://cloud.example.org/r/token-of-the-test';
    cartDay.receive(Buffer.from(JSON.stringify(expired)));
    const plain = await get(`/api/documents/${DOC_ID}/pdf`);
    expect(plain.status).toBe(502);
    expect(plain.json.message).toMatch(/not HTTPS \(http:\/\/cloud\.example\.org\); not followed/);
  });
});
