// The cloud in its own process for the benchmarks (a gateway and its cloud are different
// machines; here they get a core each). Prints {"mqttUrl": …} once listening; with
// TELECART_BENCH_STORED=1 it reports each stored observation over IPC: [gatewayId, seq, time]
// with `time` on the shared wall clock (performance.timeOrigin + performance.now()).
import { startCloud } from '@telecart/cloud';
import { pino } from 'pino';

const dataDir = process.argv[2];
const patients = JSON.parse(process.env.TELECART_BENCH_PATIENTS ?? '[]');
const cloud = await startCloud({ dataDir, mqttPort: 0, httpPort: 0, patients, logger: pino({ level: 'silent' }) });
if (process.env.TELECART_BENCH_STORED === '1' && process.send) {
  let buf = [];
  cloud.ingest.onObservation((o) => {
    buf.push([o.gatewayId, o.seq, performance.timeOrigin + performance.now()]);
    if (buf.length === 1)
      setImmediate(() => {
        process.send(buf);
        buf = [];
      });
  });
}
process.stdout.write(`${JSON.stringify({ mqttUrl: cloud.mqttUrl })}\n`);
process.on('SIGTERM', async () => {
  await cloud.stop();
  process.exit(0);
});
