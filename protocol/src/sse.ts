/**
 * Server-sent events (text/event-stream), the one helper the gateway's nurse API and the cloud's
 * live dashboard both stream with. It works on node's own request and response (a fastify route
 * hijacks its reply and hands over reply.raw), so neither this package nor its users need an HTTP
 * framework to share it (docs/architecture.md, "Server-sent events").
 *
 * What every stream does: tells the client its reconnection delay (`retry:`), writes a comment line
 * as a heartbeat so proxies keep the connection, frames each event as `id:` / `event:` / `data:`
 * (JSON on one line), stops on client disconnect, and cuts off a watcher that stopped reading once
 * its unsent bytes pass maxBufferedBytes, rather than buffering for it without bound: its
 * EventSource reconnects and the page re-reads what it missed. Last-Event-ID is not replayed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A watcher this far behind (bytes written but not yet sent) is cut off. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  // no-transform and x-accel-buffering: a proxy (nginx) must pass events on as they come.
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** One event as the wire carries it; data is JSON, which never spans lines. */
export function sseEvent(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${sseField(id)}\n` : ''}event: ${sseField(event)}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line (ignored by EventSource): heartbeats, the greeting. */
export function sseComment(text: string): string {
  return `: ${sseField(text)}\n\n`;
}

/** A field value may not hold a line break: it would end the field and start another. */
function sseField(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`server-sent events: ${JSON.stringify(value)} holds a line break`);
  return value;
}

export interface SseStreamOptions {
  /** The reconnection delay the client is told (`retry:`), ms. */
  retryMs: number;
  /** How often a heartbeat comment is written, ms. */
  heartbeatMs: number;
  /** A comment sent with the first bytes, e.g. 'connected' (lets a client see the stream is up). */
  greeting?: string;
  maxBufferedBytes?: number;
  /** Called once when a watcher is cut off for being too slow (before the stream closes). */
  onSlow?: (bufferedBytes: number) => void;
}

export interface SseStream {
  /** Writes one event; false when the stream is closed (or was just cut off for being too slow). */
  send(event: string, data: unknown, id?: string): boolean;
  /** Ends the stream (idempotent). */
  close(): void;
  /** Runs once when the stream closes, whoever closed it. */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

/** The open streams of one server, to end them all at shutdown. */
export class SseStreams {
  private readonly open = new Set<SseStream>();

  /** Writes the headers and the first bytes, and returns the stream; the caller has hijacked the reply. */
  start(req: IncomingMessage, res: ServerResponse, opts: SseStreamOptions): SseStream {
    const max = opts.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES;
    const closers: (() => void)[] = [];
    let closed = false;
    const close = (end: 'end' | 'destroy' = 'end') => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      this.open.delete(stream);
      if (end === 'destroy') res.destroy();
      else if (!res.writableEnded) res.end();
      for (const fn of closers.splice(0)) fn();
    };
    const write = (text: string): boolean => {
      if (closed || res.writableEnded || res.destroyed) return false;
      if (res.writableLength > max) {
        opts.onSlow?.(res.writableLength);
        // Destroyed, not ended: ending would keep the unsent megabyte queued until the socket times out.
        close('destroy');
        return false;
      }
      res.write(text);
      return true;
    };
    const stream: SseStream = {
      send: (event, data, id) => write(sseEvent(event, data, id)),
      close: () => close(),
      onClose: (fn) => {
        if (closed) fn();
        else closers.push(fn);
      },
      get closed() {
        return closed;
      },
    };
    res.writeHead(200, SSE_HEADERS);
    res.write(`retry: ${Math.round(opts.retryMs)}\n${opts.greeting !== undefined ? `: ${sseField(opts.greeting)}\n` : ''}\n`);
    const heartbeat = setInterval(() => write(sseComment('keep-alive')), opts.heartbeatMs);
    heartbeat.unref();
    this.open.add(stream);
    req.once('close', () => close());
    res.once('close', () => close());
    return stream;
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream (server shutdown: clients reconnect to the next instance). */
  closeAll(): void {
    for (const s of [...this.open]) s.close();
  }
}
