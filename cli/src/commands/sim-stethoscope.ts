/**
 * `telecart sim stethoscope`: a private PulseAudio server with a null sink, and the simulated
 * stethoscope playing synthesized heart sounds into it; prints the server and the source a gateway
 * records from (audio.stethoscope.pulseServer / pulseDevice).
 */
import { type PulseServer, startPulseServer, startVirtualStethoscope, type VirtualStethoscope } from '@telecart/firmware-sim';
import { runService } from '../runtime/service.js';

export interface SimStethoscopeCommandOptions {
  dir?: string;
  seed: number;
  hr: number;
  murmur: boolean;
  rate: number;
}

export async function runSimStethoscopeCommand(o: SimStethoscopeCommandOptions): Promise<void> {
  await runService(
    'sim-stethoscope',
    async () => {
      const pulse: PulseServer = await startPulseServer({ rateHz: o.rate, ...(o.dir ? { dir: o.dir } : {}) });
      let steth: VirtualStethoscope;
      try {
        steth = await startVirtualStethoscope({
          server: pulse.server,
          sink: pulse.sink,
          sampleRateHz: o.rate,
          seed: o.seed,
          heartRateBpm: o.hr,
          murmur: o.murmur ? 0.05 : 0,
        });
      } catch (e) {
        await pulse.stop();
        throw e;
      }
      return {
        pulse,
        async stop() {
          await steth.stop();
          await pulse.stop();
        },
      };
    },
    (s) => ({ server: s.pulse.server, source: s.pulse.source }),
    (info) => {
      process.stdout.write(`${String(info.server)} ${String(info.source)}\n`);
      process.stderr.write(
        `telecart sim stethoscope: heart sounds at ${o.hr} bpm on ${String(info.source)}\n` +
          `  gateway config: audio.stethoscope: { enabled: true, pulseServer: '${String(info.server)}', pulseDevice: '${String(info.source)}' }\n`,
      );
    },
  );
}
