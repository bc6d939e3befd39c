/**
 * `telecart sim serial`: a Nonin oximeter and an OpenEEG-P2 ECG board on pseudo-terminal pairs
 * (socat); prints the port paths a gateway opens (serial.devices[].path).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NoninSimFormat, startSerialSimulators } from '@telecart/firmware-sim';
import { runService } from '../runtime/service.js';

export interface SimSerialCommandOptions {
  dir?: string;
  nonin: NoninSimFormat | 'none';
  ecg: boolean;
  seed: number;
  spo2: number;
  hr: number;
}

export async function runSimSerialCommand(o: SimSerialCommandOptions): Promise<void> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'telecart-serial-'));
  await runService(
    'sim-serial',
    () => startSerialSimulators({ dir, seed: o.seed, nonin: o.nonin === 'none' ? null : o.nonin, ecg: o.ecg, spo2: o.spo2, hr: o.hr }),
    (s) => ({ nonin: s.nonin?.port ?? null, ecg: s.ecg?.port ?? null }),
    (info) => {
      const lines = [
        info.nonin ? `oximeter ${o.nonin} ${String(info.nonin)}` : null,
        info.ecg ? `ecg openeeg-p2 ${String(info.ecg)}` : null,
      ];
      process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
      process.stderr.write("telecart sim serial: point the gateway's serial.devices[].path at these ports\n");
    },
  );
}
