// A gateway's side of one refused connection attempt in a reconnect storm (docs/region.md, « Where the
// 10,000 storm's CPU goes »): the broker's shed path accepts the TCP connection and closes it before any
// TLS handshake; the gateway (here mqtt.js with the light gateway's options and a kept TLS context, as
// `telecart sim fleet` runs it) has by then built its TLS socket and sent its ClientHello. Prints the
// client's CPU per refused attempt. Identities from a `telecart sim fleet --identities DIR` directory.
// The machine is shared: note the load. Usage:
//   node bench/refused-attempt.mjs DIR [clients=300] [attempts=10]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import mqtt from 'mqtt';

const [dir, clientsArg, attemptsArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/refused-attempt.mjs DIR [clients=300] [attempts=10]');
  process.exit(2);
}
const N = Number(clientsArg ?? 300);
const ATTEMPTS = Number(attemptsArg ?? 10);
const ids = JSON.parse(readFileSync(join(dir, 'fleet-identities.json'), 'utf8'));
const [gatewayId, gw] = Object.entries(ids.gateways)[0];
const secureContext = createSecureContext({ key: gw.key, cert: gw.cert, ca: ids.ca });
// The shed path of the embedded broker's gate: accepted paused, closed unread.
const server = createServer({ pauseOnConnect: true }, (s) => s.destroy());
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `mqtts://127.0.0.1:${server.address().port}`;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load0 = loadavg()[0];
let closes = 0;
const t0 = cpuMs();
await new Promise((done) => {
  for (let i = 0; i < N; i++) {
    const c = mqtt.connect(url, {
      secureContext,
      rejectUnauthorized: true,
      clientId: gatewayId,
      clean: false,
      keepalive: 60,
      reconnectPeriod: 10,
    });
    c.on('error', () => undefined);
    let n = 0;
    c.on('close', () => {
      closes++;
      if (++n < ATTEMPTS) return;
      c.end(true);
      if (closes >= N * ATTEMPTS) done();
    });
  }
});
const perAttempt = (cpuMs() - t0) / closes;
server.close();
console.log(
  `${closes} refused attempts: ${perAttempt.toFixed(3)} ms of the client's CPU each (load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)})`,
);
