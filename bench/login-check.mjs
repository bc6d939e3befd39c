// What a request pays for the login check of several cloud instances (docs/teleconsultation.md,
// « Several cloud instances »): at each request with a login cookie the cloud reads that login by
// primary key and its account from the store (teleconsult/service.ts accountSync). Measured here:
// those two reads, µs per request, on SQLite (in the process) and PostgreSQL (loopback), sequential.
//
//   `node bench/login-check.mjs [requests]` prints the table (needs `npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.BENCH_CLOUD_DIST ? `file://${process.env.BENCH_CLOUD_DIST.replace(/\/$/, '')}` : '../cloud/dist';
const { SqliteStore } = await import(`${dist}/store/sqlite-store.js`);
const { PostgresStore } = await import(`${dist}/store/postgres-store.js`);
const { startPostgres } = await import(`${dist}/testing/postgres.js`);

async function measure(store, n) {
  const at = new Date().toISOString();
  await store.saveAccount({
    id: 'dr-roux',
    name: 'Dr Anne Roux',
    role: 'specialist',
    rpps: null,
    email: null,
    phone: null,
    sites: [],
    gateways: ['cart-*'],
    specialty: null,
    audit: false,
    passwordHash: null,
    tokenSha256: null,
    totp: null,
    oidcSubject: null,
    source: 'admin',
    disabledAt: null,
    createdAt: at,
    updatedAt: at,
  });
  const key = 'k'.repeat(43);
  await store.saveLogin({ tokenSha256: key, specialistId: 'dr-roux', createdAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000) });
  const once = async () => {
    const l = await store.getLogin(key, new Date());
    await store.getAccount(l.specialistId);
  };
  for (let i = 0; i < 200; i++) await once();
  const t = performance.now();
  for (let i = 0; i < n; i++) await once();
  return ((performance.now() - t) * 1000) / n;
}

export async function benchLoginCheck(n = 5000) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-login-check-'));
  const rows = [];
  try {
    const lite = new SqliteStore({ file: join(dir, 'cloud.db') });
    rows.push(['SQLite', await measure(lite, n)]);
    await lite.close();
    const server = process.env.TELECART_TEST_PG_URL ? undefined : await startPostgres();
    try {
      const pgStore = await PostgresStore.open({
        url: process.env.TELECART_TEST_PG_URL ?? server.url,
        schema: `login_check_${process.pid}`,
      });
      rows.push(['PostgreSQL', await measure(pgStore, n)]);
      await pgStore.close();
    } finally {
      await server?.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 5000);
  console.log(`| store | µs per request (login + account read), ${n} requests |\n|---|---|`);
  for (const [name, us] of await benchLoginCheck(n)) console.log(`| ${name} | ${us.toFixed(1)} |`);
}
