/**
 * A small tmpfs the fault injection can fill to the last byte and empty again, to run a service's
 * data directory on a disk that runs out of space. Needs root (mount).
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  readonly dir: string;
  /** Bytes still free. */
  free(): number;
  /** Writes a filler file until the file system says ENOSPC; returns the bytes written. */
  fill(): number;
  /** Removes the filler: the space is back. */
  release(): void;
  unmount(): Promise<void>;
}

export async function mountTmpfs(dir: string, sizeBytes: number): Promise<Tmpfs> {
  mkdirSync(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir]);
  } catch (e) {
    throw new Error(`could not mount a ${sizeBytes}-byte tmpfs on ${dir} (root needed): ${(e as Error).message}`);
  }
  const filler = join(dir, '.chaos-filler');
  return {
    dir,
    free() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      let written = 0;
      try {
        for (let size = chunk.length; size >= 1; ) {
          try {
            written += writeSync(fd, chunk, 0, size);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
            size = Math.floor(size / 2); // the last pages: smaller writes until not a byte fits
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    release() {
      rmSync(filler, { force: true });
    },
    async unmount() {
      await run('umount', ['-l', dir]).catch(() => undefined);
    },
  };
}
