/** PCM → FLAC with GStreamer's flacenc in a child process (one short pipeline per segment). */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnGst } from './gst.js';
import { flacEncodeArgs } from './pipelines.js';

export class FlacEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlacEncodeError';
  }
}

/** Encodes 16-bit mono PCM; `tmpDir` holds the file while flacenc finishes its header. */
export async function encodeFlac(pcm: Buffer, rateHz: number, tmpDir: string): Promise<Buffer> {
  const file = join(tmpDir, `segment-${randomUUID()}.flac`);
  const gst = spawnGst(flacEncodeArgs(rateHz, file), { stdin: true, stdout: false });
  try {
    gst.child.stdin?.on('error', () => {
      // EPIPE if the encoder died: its exit status says why.
    });
    gst.child.stdin?.end(pcm);
    const r = await gst.exited;
    if (r.code !== 0) throw new FlacEncodeError(`FLAC encoding failed (${r.signal ?? `exit ${r.code}`}): ${r.error ?? 'no message'}`);
    return await readFile(file);
  } finally {
    await rm(file, { force: true });
  }
}
