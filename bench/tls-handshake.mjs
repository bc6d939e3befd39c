// The broker's side of a gateway's mutual-TLS handshake (docs/region.md, « Where a gateway's
// milliseconds go »): CPU of a TLS server per handshake, full (the gateway's certificate sent and
// checked) against resumed (a TLS 1.3 ticket of an earlier connection), EC P-256 identities of a
// `telecart sim fleet --identities DIR` directory, on loopback, the client in a child process so
// the figure is the server's alone. Alternated rounds; the machine is shared: note the load. Usage:
//   node bench/tls-handshake.mjs DIR [handshakes=1000]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { fileURLToPath } from 'node:url';

const [dir, nArg, portArg, mode] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/tls-handshake.mjs DIR [handshakes]');
  process.exit(2);
}
const n = Number(nArg ?? 1000);
const ids = JSON.parse(readFileSync(join(dir, 'fleet-identities.json'), 'utf8'));
const ca = readFileSync(join(dir, 'security', 'ca.crt'), 'utf8');

if (portArg) {
  // The client: one gateway's identity, n handshakes one after the other, each reusing the last ticket if resuming.
  const gw = Object.values(ids.gateways)[0];
  let session;
  const once = () =>
    new Promise((resolve, reject) => {
      const s = connect({
        host: '127.0.0.1',
        port: Number(portArg),
        key: gw.key,
        cert: gw.cert,
        ca,
        checkServerIdentity: () => undefined,
        ...(mode === 'resumed' && session ? { session } : {}),
      });
      s.on('session', (t) => {
        session = t;
      });
      s.on('error', reject);
      // The server's byte comes after the tickets: the next connection has one to offer.
      s.once('data', () => {
        s.end();
        resolve(s.isSessionReused());
      });
    });
  await once();
  let reused = 0;
  for (let i = 0; i < n; i++) if (await once()) reused++;
  process.send({ reused });
  process.exit(0);
}

const server = createServer(
  {
    key: readFileSync(join(dir, 'security', 'server.key')),
    cert: readFileSync(join(dir, 'security', 'server.crt')),
    ca,
    requestCert: true,
    rejectUnauthorized: true,
  },
  (s) => {
    s.on('error', () => undefined);
    // What the broker reads of each connection: the verified peer certificate (kept in a resumed session).
    if (typeof s.getPeerCertificate().subject?.CN === 'string') withIdentity++;
    s.write('x');
  },
);
let withIdentity = 0;
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = String(server.address().port);
const rows = [];
for (const m of ['full', 'resumed', 'full', 'resumed']) {
  const load = loadavg()[0];
  const c0 = process.cpuUsage();
  withIdentity = 0;
  const r = await new Promise((resolve) => fork(fileURLToPath(import.meta.url), [dir, String(n), port, m]).on('message', resolve));
  const d = process.cpuUsage(c0);
  rows.push({
    handshake: m,
    'server CPU ms each': Number(((d.user + d.system) / 1000 / (n + 1)).toFixed(3)),
    resumed: `${r.reused} of ${n}`,
    'with the gateway’s certificate': withIdentity,
    load: `${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
  });
}
server.close();
console.table(rows);
