/**
 * Starts the serial simulators on pty pairs in a directory: an oximeter (Nonin DF7 by default)
 * and an ECG board (OpenEEG P2). `ports` are the paths a gateway opens (its serial.devices[].path).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedEcgBoard } from './ecg-board.js';
import { type NoninSimFormat, SimulatedNoninOximeter } from './nonin-oximeter.js';
import { PtyPair } from './pty-pair.js';

export interface SerialSimulatorsOptions {
  /** Where the pty links go (e.g. a temp dir). */
  dir: string;
  seed?: number;
  /** Default 'nonin-df7'; null: no oximeter. */
  nonin?: NoninSimFormat | null;
  /** Default true. */
  ecg?: boolean;
  spo2?: number;
  hr?: number;
}

export interface SerialSimulators {
  nonin?: { sim: SimulatedNoninOximeter; pty: PtyPair; port: string };
  ecg?: { sim: SimulatedEcgBoard; pty: PtyPair; port: string };
  stop(): Promise<void>;
}

export async function startSerialSimulators(o: SerialSimulatorsOptions): Promise<SerialSimulators> {
  mkdirSync(o.dir, { recursive: true });
  const out: SerialSimulators = {
    async stop() {
      out.nonin?.sim.stop();
      out.ecg?.sim.stop();
      await out.nonin?.pty.close();
      await out.ecg?.pty.close();
    },
  };
  try {
    const format = o.nonin === undefined ? 'nonin-df7' : o.nonin;
    if (format !== null) {
      const pty = await PtyPair.start({ hostLink: join(o.dir, 'nonin'), deviceLink: join(o.dir, 'nonin.device') });
      const sim = new SimulatedNoninOximeter({ pty, format, seed: o.seed ?? 1, spo2: o.spo2 ?? 97, hr: o.hr ?? 72 });
      out.nonin = { sim, pty, port: pty.hostPath };
      sim.start();
    }
    if (o.ecg !== false) {
      const pty = await PtyPair.start({ hostLink: join(o.dir, 'ecg'), deviceLink: join(o.dir, 'ecg.device') });
      const sim = new SimulatedEcgBoard({ pty, seed: o.seed ?? 1, hrMean: o.hr ?? 72 });
      out.ecg = { sim, pty, port: pty.hostPath };
      sim.start();
    }
    return out;
  } catch (e) {
    await out.stop();
    throw e;
  }
}
