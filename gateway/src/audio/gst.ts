/**
 * GStreamer pipelines run as gst-launch-1.0 child processes (decision and figures: docs/gstreamer.md).
 * A fault in a plugin kills the child, never the gateway; `--no-fault` makes a crashed child exit
 * instead of spinning in GStreamer's wait-for-debugger handler, and `-e` turns SIGINT into an
 * end-of-stream so encoders and muxers finish their files.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export const GST_LAUNCH = 'gst-launch-1.0';

export interface GstProcess {
  child: ChildProcess;
  /** Resolves when the process has exited, with the last GStreamer error line if any. */
  exited: Promise<GstExit>;
  /** End-of-stream (SIGINT with -e), then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<GstExit>;
}

export interface GstExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** "element: message" of the last `ERROR: from element …` line, or the process error. */
  error: string | null;
}

/**
 * The error gst-launch reports: the first "ERROR: from element …" line (the cause; later ERROR lines
 * are consequences such as "pipeline doesn't want to preroll"), else the first ERROR line.
 */
export function parseGstError(stderr: string): string | null {
  const lines = stderr.split('\n').filter((l) => l.startsWith('ERROR: '));
  const line = lines.find((l) => l.startsWith('ERROR: from element ')) ?? lines[0];
  if (!line) return null;
  return line
    .replace(/^ERROR: (from element )?/, '')
    .replace(/\/GstPipeline:pipeline\d+\//, '')
    .trim();
}

export function spawnGst(pipeline: readonly string[], stdio: { stdin: boolean; stdout: boolean }): GstProcess {
  const child = spawn(GST_LAUNCH, ['-q', '-e', '--no-fault', ...pipeline], {
    stdio: [stdio.stdin ? 'pipe' : 'ignore', stdio.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-8000);
  });
  let spawnError: string | null = null;
  const exited = new Promise<GstExit>((resolve) => {
    child.once('error', (e) => {
      spawnError = `${GST_LAUNCH} could not start: ${e.message}`;
      if (child.pid === undefined) resolve({ code: null, signal: null, error: spawnError });
    });
    child.once('close', (code, signal) => resolve({ code, signal, error: spawnError ?? parseGstError(stderr) }));
  });
  return {
    child,
    exited,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      }
      return exited;
    },
  };
}
