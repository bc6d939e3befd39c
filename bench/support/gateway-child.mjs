// The cart's gateway for the teleconsultation benches in a process of its own (its CPU and RSS, with
// its GStreamer children, measured apart from the cloud's and the bench's): the configuration given
// in TELECART_BENCH_GATEWAY (resolved by the gateway's own resolveGatewayConfig), the patient
// selected, connected to the cloud's broker (argv[3]). Prints {"httpUrl"} once connected.
import { resolveGatewayConfig, startGateway } from '@telecart/gateway';
import { pino } from 'pino';

const [, , dataDir, cloudUrl] = process.argv;
const { config, patientId } = JSON.parse(process.env.TELECART_BENCH_GATEWAY ?? '{}');
const gw = await startGateway({ config: resolveGatewayConfig(config), dataDir, cloudUrl, logger: pino({ level: 'silent' }) });
gw.patients.select(patientId);
while (!gw.sync.connected) await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`${JSON.stringify({ httpUrl: gw.httpUrl })}\n`);
process.on('SIGTERM', async () => {
  await gw.stop();
  process.exit(0);
});
