// The cloud for the teleconsultation benches in a process of its own (so that its CPU — the relay, the
// broker and the act's room on the forwarding unit — is measured apart from the gateway's and the
// bench's): one specialist allowed on cart-*, one patient served by the bench's cart, the unit
// answering on 127.0.0.1 (the bench's namespace has only lo). Prints {"mqttUrl", "httpUrl"} once
// listening; answers ['unit-stats', sessionId] over IPC with the act's room figures and its event loop's
// delay since the last ask.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { hashPassword, startCloud } from '@telecart/cloud';
import { pino } from 'pino';

const dataDir = process.argv[2];
const { specialist, patient, gatewayId } = JSON.parse(process.env.TELECART_BENCH_CONSULT ?? '{}');
const cloud = await startCloud({
  dataDir,
  mqttPort: 0,
  httpPort: 0,
  patients: [{ ...patient, gateways: [gatewayId] }],
  logger: pino({ level: 'silent' }),
  teleconsult: {
    specialists: [{ ...specialist, passwordHash: await hashPassword(specialist.password, 10), gateways: ['cart-*'] }],
    forwardingUnit: { hostAddresses: ['127.0.0.1'] },
  },
});
// How late this process's event loop runs (the unit forwards every packet on it), since the last ask.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
process.on('message', ([what, sessionId]) => {
  if (what !== 'unit-stats') return;
  const ms = (ns) => Number((ns / 1e6).toFixed(1));
  const delay = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
  loop.reset();
  process.send?.(['unit-stats', { room: cloud.teleconsult.relay.unit.rooms.stats(sessionId) ?? null, loopDelayMs: delay }]);
});
process.stdout.write(`${JSON.stringify({ mqttUrl: cloud.mqttUrl, httpUrl: cloud.httpUrl })}\n`);
process.on('SIGTERM', async () => {
  await cloud.stop();
  process.exit(0);
});
