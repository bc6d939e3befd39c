/**
 * The trial kinds. A trial: the devices measure at a steady pace, the fault strikes at a random
 * moment, the rig heals, the load stops, and then every reading the devices delivered during the
 * trial must be in the cloud exactly once (and the gateway's backlog must empty).
 */
import type { Rig, RigOptions } from './rig.js';

export const KINDS = [
  'gateway-kill',
  'cloud-kill',
  'broker-kill',
  'broker-restart',
  'partition',
  'packet-loss',
  'clock-jump',
  'disk-full',
] as const;
export type Kind = (typeof KINDS)[number];
/** Kinds that create network namespaces or mount a tmpfs. */
export const NEEDS_ROOT: readonly Kind[] = ['packet-loss', 'disk-full'];

/** mulberry32: a tiny seeded PRNG, so a run is replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrialContext {
  rig: Rig;
  rand: () => number;
  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number;
  /** One line per fault, for the log. */
  note(s: string): void;
  /** A service died on its own (not killed by the trial): noted and counted. */
  crashed(s: string): void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What each kind needs from the rig. */
export function rigFor(kind: Kind): Omit<RigOptions, 'name' | 'seed' | 'keep'> {
  switch (kind) {
    case 'broker-kill':
    case 'broker-restart':
      return { broker: 'mosquitto' };
    case 'partition':
      return { broker: 'embedded', proxy: true };
    case 'packet-loss':
      return { broker: 'embedded', netns: true };
    case 'disk-full':
      return { broker: 'embedded', tmpfsBytes: 16 * 1024 * 1024 };
    default:
      return { broker: 'embedded' };
  }
}

/** SIGKILL the gateway, start it again, and let the devices repeat what it may not have committed. */
async function killAndRestartGateway(c: TrialContext, env?: NodeJS.ProcessEnv): Promise<void> {
  const { rig } = c;
  const killedAt = Date.now();
  await rig.gateway?.kill('SIGKILL');
  await sleep(c.between(0, 400));
  await rig.startGateway(env);
  await rig.waitSubscribed();
  // Readings delivered shortly before the kill (or to the dead process, before the device noticed)
  // may never have been committed: devices repeat them, as on a reconnection.
  c.note(`redelivered ${rig.load.redeliver(killedAt - 3000, Date.now())}`);
}

/** Offsets a real gateway clock may jump by: NTP step after a boot on a dead RTC, DST mistakes, a bad manual set. */
const CLOCK_JUMPS_MS = [-30 * 86_400_000, -86_400_000, -3_600_000, -300_000, 300_000, 3_600_000, 86_400_000, 365 * 86_400_000];

/** Injects one fault of `kind` and heals it. */
export async function inject(kind: Kind, c: TrialContext): Promise<void> {
  const { rig } = c;
  switch (kind) {
    case 'gateway-kill': {
      await killAndRestartGateway(c);
      return;
    }
    case 'cloud-kill': {
      await rig.cloud?.kill('SIGKILL');
      const down = c.between(50, 1500);
      c.note(`cloud down ${down} ms`);
      await sleep(down);
      await rig.startCloud();
      return;
    }
    case 'broker-kill':
    case 'broker-restart': {
      const m = rig.mosquitto;
      if (!m) throw new Error('broker trials need the Mosquitto rig');
      await m.kill(kind === 'broker-kill' ? 'SIGKILL' : 'SIGTERM');
      const down = c.between(50, 1500);
      c.note(`broker down ${down} ms`);
      await sleep(down);
      await m.restart();
      return;
    }
    case 'partition': {
      const p = rig.proxy;
      if (!p) throw new Error('partition trials need the proxy rig');
      const ms = c.between(200, 2500);
      const how = c.between(0, 2);
      if (how === 0) {
        // The link stalls both ways, then recovers: bytes queued, nothing lost in between.
        c.note(`stall ${ms} ms`);
        p.set('up', 'hold');
        p.set('down', 'hold');
        await sleep(ms);
        p.set('up', 'pass');
        p.set('down', 'pass');
      } else if (how === 1) {
        // The link dies: connections reset, reconnects refused for a while.
        c.note(`cut + refuse ${ms} ms`);
        p.accept(false);
        p.cutAll();
        await sleep(ms);
        p.accept(true);
      } else {
        // Acks lost on the way back (the cloud stored the batches), then the connection resets.
        c.note(`acks dropped ${ms} ms, then cut`);
        p.set('down', 'drop');
        await sleep(ms);
        p.cutAll();
        p.set('down', 'pass');
      }
      return;
    }
    case 'packet-loss': {
      const net = rig.net;
      if (!net) throw new Error('packet-loss trials need the netns rig');
      const ms = c.between(1500, 3500);
      c.note(`30 % loss ${ms} ms`);
      await net.setLoss(30);
      await sleep(ms);
      await net.setLoss(0);
      return;
    }
    case 'clock-jump': {
      const offset = CLOCK_JUMPS_MS[c.between(0, CLOCK_JUMPS_MS.length - 1)] ?? 0;
      c.note(`clock ${offset > 0 ? '+' : ''}${offset / 1000} s`);
      await killAndRestartGateway(c, { TELECART_TEST_CLOCK_OFFSET_MS: String(offset) });
      return;
    }
    case 'disk-full': {
      const disk = rig.disk;
      if (!disk) throw new Error('disk-full trials need the tmpfs rig');
      const from = Date.now();
      disk.fill();
      const ms = c.between(500, 2000);
      await sleep(ms);
      disk.release();
      const gwDied = rig.gateway?.alive() !== true;
      c.note(`disk full ${ms} ms`);
      if (gwDied) {
        c.crashed(
          `GATEWAY DIED while the disk was full (${rig.gateway?.proc.exitCode ?? rig.gateway?.proc.signalCode}), see ${rig.gateway?.logFile}`,
        );
        await rig.startGateway();
        await rig.waitSubscribed();
      }
      // Readings refused while the disk was full: the devices still have them and repeat them.
      await sleep(200);
      c.note(`redelivered ${rig.load.redeliver(from - 1000, Date.now())}`);
      return;
    }
  }
}
