/**
 * A real pseudo-terminal pair from socat: `socat pty,raw,echo=0,link=<host> pty,raw,echo=0,link=<device>`.
 * The gateway opens the host end with serialport, exactly as it would /dev/ttyUSB0; the simulator
 * writes to the device end. unplug() kills socat (both links disappear, the host's reads fail like
 * a USB unplug); replug() starts a new pair at the same link paths.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync, promises as fsp, lstatSync } from 'node:fs';

export interface PtyPairOptions {
  /** Link the gateway opens, e.g. <tmp>/nonin. */
  hostLink: string;
  /** Link the simulator writes to. */
  deviceLink: string;
  /** How long to wait for socat to create both links. Default 5000 ms. */
  startTimeoutMs?: number;
}

export class PtyPair {
  private proc: ChildProcess | undefined;
  private device: fsp.FileHandle | undefined;

  private constructor(private readonly opts: PtyPairOptions) {}

  static async start(opts: PtyPairOptions): Promise<PtyPair> {
    const p = new PtyPair(opts);
    await p.plug();
    return p;
  }

  get hostPath(): string {
    return this.opts.hostLink;
  }

  get plugged(): boolean {
    return this.device !== undefined;
  }

  /** Writes bytes from the device side; false while unplugged (the bytes are lost, as on a real cable). */
  async write(bytes: Uint8Array): Promise<boolean> {
    const fh = this.device;
    if (!fh) return false;
    try {
      await fh.write(bytes);
      return true;
    } catch {
      return false;
    }
  }

  async unplug(): Promise<void> {
    const fh = this.device;
    this.device = undefined;
    await fh?.close().catch(() => undefined);
    const proc = this.proc;
    this.proc = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    }
    // socat removes its links on a clean exit; make sure, so a reopen sees ENOENT like a real unplug.
    for (const l of [this.opts.hostLink, this.opts.deviceLink]) await fsp.rm(l, { force: true });
  }

  async replug(): Promise<void> {
    await this.unplug();
    await this.plug();
  }

  async close(): Promise<void> {
    await this.unplug();
  }

  private async plug(): Promise<void> {
    const { hostLink, deviceLink } = this.opts;
    for (const l of [hostLink, deviceLink]) await fsp.rm(l, { force: true });
    const proc = spawn('socat', [`pty,raw,echo=0,link=${hostLink}`, `pty,raw,echo=0,link=${deviceLink}`], { stdio: 'ignore' });
    this.proc = proc;
    const spawnError = new Promise<never>((_, reject) => proc.once('error', (e) => reject(new Error(`socat: ${e.message}`))));
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 5000);
    const ready = async () => {
      while (!(isLink(hostLink) && isLink(deviceLink))) {
        if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode} before creating ${hostLink}`);
        if (Date.now() > deadline) throw new Error(`socat did not create ${hostLink} and ${deviceLink} in time`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.race([ready(), spawnError]);
    // O_NOCTTY: the simulator must never become the pty's controlling process.
    this.device = await fsp.open(deviceLink, constants.O_RDWR | constants.O_NOCTTY);
  }
}

function isLink(p: string): boolean {
  try {
    return existsSync(p) && lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
