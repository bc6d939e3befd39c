/**
 * A WebSocket client the project did not write, driven from a test: ws-stdio.py (Python's standard library
 * only, the handshake and the frames by hand). Lines to its stdin are text frames; its stdout lines, the upgrade's
 * HTTP status, the frames received and the close code.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./ws-stdio.py', import.meta.url));

export type Frame = Record<string, unknown>;

export interface StdioSocket {
  /** The upgrade's HTTP status (101: open). */
  status: Promise<number>;
  /** Text frames received, parsed as JSON, in order. */
  received: Frame[];
  /** The first frame received (since index `from`) matching. */
  next(match: (m: Frame) => boolean, from?: number): Promise<Frame>;
  /** Sends a text frame: JSON of `m`, or `m` as it is when a string. */
  send(m: unknown): void;
  /** The close code the server sent (null: none, the connection dropped), once closed. */
  closed: Promise<number | null>;
  /** Whether the connection is still open (no close seen). */
  open(): boolean;
  /** Closes (1000) and waits for the client to end. */
  end(): Promise<void>;
}

/** Opens `url` (ws://) with these raw header lines (`Cookie: …`, `Origin: …`). */
export function stdioSocket(url: string, headers: readonly string[]): StdioSocket {
  const child = spawn('python3', [SCRIPT, url, ...headers], { stdio: ['pipe', 'pipe', 'inherit'] });
  const received: Frame[] = [];
  let waiters: { match: (m: Frame) => boolean; from: number; resolve: (m: Frame) => void }[] = [];
  let isOpen = true;
  let onStatus: (s: number) => void = () => undefined;
  let onClosed: (c: number | null) => void = () => undefined;
  const status = new Promise<number>((r) => {
    onStatus = r;
  });
  const closed = new Promise<number | null>((r) => {
    onClosed = r;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const out = JSON.parse(line) as { status?: number; text?: string; closed?: number | null };
    if (out.status !== undefined) onStatus(out.status);
    else if (out.closed !== undefined) {
      isOpen = false;
      onClosed(out.closed);
    } else if (out.text !== undefined) {
      const m = JSON.parse(out.text) as Frame;
      received.push(m);
      const i = received.length - 1;
      for (const w of waiters.filter((x) => i >= x.from && x.match(m))) w.resolve(m);
      waiters = waiters.filter((x) => !(i >= x.from && x.match(m)));
    }
  });
  void exited.then(() => {
    onStatus(0);
    isOpen = false;
    onClosed(null);
  });
  return {
    status,
    received,
    next(match, from = 0) {
      const have = received.slice(from).find(match);
      if (have) return Promise.resolve(have);
      return new Promise((resolve) => waiters.push({ match, from, resolve }));
    },
    send(m) {
      child.stdin.write(`${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
    },
    closed,
    open: () => isOpen,
    async end() {
      child.stdin.end();
      await exited;
    },
  };
}
