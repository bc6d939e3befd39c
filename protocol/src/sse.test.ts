/**
 * The server-sent-events helper on a real node:http server and real loopback sockets: the bytes on
 * the wire, the heartbeat, closing on client disconnect and at shutdown, and cutting off a watcher
 * that stopped reading once its unsent bytes pass the bound.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SSE_MAX_BUFFERED_BYTES, type SseStream, type SseStreamOptions, SseStreams, sseEvent } from './sse.js';

let server: Server | undefined;

/** A server whose every request becomes a stream; resolves each new stream in order. */
async function serve(streams: SseStreams, opts: SseStreamOptions) {
  const started: SseStream[] = [];
  const waiting: ((s: SseStream) => void)[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const s = streams.start(req, res, opts);
    const w = waiting.shift();
    if (w) w(s);
    else started.push(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const next = () =>
    new Promise<SseStream>((resolve) => (started.length > 0 ? resolve(started.shift() as SseStream) : waiting.push(resolve)));
  return { url: `http://127.0.0.1:${address.port}/`, port: address.port, next };
}

/** Reads a fetch body until the text so far matches. */
function reader(res: Response) {
  const r = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    async until(re: RegExp): Promise<string> {
      while (!re.test(text)) {
        const { value, done } = await r.read();
        if (done) throw new Error(`stream ended before ${re}: ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    async toEnd(): Promise<string> {
      for (;;) {
        const { value, done } = await r.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
});

describe('server-sent events', () => {
  it('writes the headers, retry and greeting, then each event framed as the pages read it', async () => {
    const streams = new SseStreams();
    const { url, next } = await serve(streams, { retryMs: 3000, heartbeatMs: 60_000, greeting: 'connected' });
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    const s = await next();
    expect(s.send('observation', { observation: { id: 'o-1' }, vital: null }, 'o-1')).toBe(true);
    expect(s.send('alert', { change: 'opened' })).toBe(true);
    const body = reader(res);
    expect(await body.until(/event: alert/)).toBe(
      'retry: 3000\n: connected\n\n' +
        'id: o-1\nevent: observation\ndata: {"observation":{"id":"o-1"},"vital":null}\n\n' +
        'event: alert\ndata: {"change":"opened"}\n\n',
    );
    streams.closeAll();
    await body.toEnd();
    expect(s.closed).toBe(true);
    expect(s.send('alert', {})).toBe(false);
  });

  it('refuses an event name or id that would break the framing', () => {
    expect(() => sseEvent('a\ndata: forged', {})).toThrow(/line break/);
    expect(() => sseEvent('a', {}, 'x\r')).toThrow(/line break/);
  });

  it('writes a heartbeat comment while nothing happens', async () => {
    const streams = new SseStreams();
    const { url } = await serve(streams, { retryMs: 2000, heartbeatMs: 20 });
    const body = reader(await fetch(url));
    expect(await body.until(/: keep-alive\n\n/)).toMatch(/^retry: 2000\n\n(: keep-alive\n\n)+$/);
    streams.closeAll();
  });

  it('closes when the client goes away, and runs the close callbacks once', async () => {
    const streams = new SseStreams();
    const { url, next } = await serve(streams, { retryMs: 2000, heartbeatMs: 60_000 });
    const ac = new AbortController();
    const res = await fetch(url, { signal: ac.signal });
    const s = await next();
    let calls = 0;
    const closed = new Promise<void>((resolve) =>
      s.onClose(() => {
        calls++;
        resolve();
      }),
    );
    await reader(res).until(/retry/);
    ac.abort();
    await closed;
    expect(s.closed).toBe(true);
    expect(streams.size).toBe(0);
    s.close();
    expect(calls).toBe(1);
  });

  it('cuts off a watcher that stopped reading once its unsent bytes pass the bound', async () => {
    const streams = new SseStreams();
    let slow: number | undefined;
    const { port, next } = await serve(streams, { retryMs: 2000, heartbeatMs: 60_000, onSlow: (b) => (slow = b) });
    // A client that sends its request and then never reads a byte.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    socket.pause();
    const s = await next();
    const payload = { text: 'x'.repeat(4000) };
    const eventBytes = Buffer.byteLength(sseEvent('observation', payload));
    let sent = 0;
    // Bounded: without the cut-off this would buffer all of it (about 80 MB) and the test fail.
    while (s.send('observation', payload) && sent < 20_000) {
      sent++;
      if (sent % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(s.closed).toBe(true);
    expect(slow).toBeGreaterThan(SSE_MAX_BUFFERED_BYTES);
    // Never more than one event past the bound is held for it.
    expect(slow).toBeLessThanOrEqual(SSE_MAX_BUFFERED_BYTES + eventBytes);
    expect(streams.size).toBe(0);
    socket.destroy();
  });
});
