/**
 * A loopback TCP relay the tests control: pass traffic, hold one direction (bytes are
 * queued, as on a link that stalls), blackhole it, or cut every connection. Used to put
 * a fault exactly between "the cloud stored it" and "the gateway heard the ack".
 * Options: listen on another local address (e.g. a veth end the test created), and throttle
 * each direction to a byte rate (a slow link in userspace, where tc/netns are not available).
 */
import net from 'node:net';

export type Direction = 'up' | 'down';
export type Mode = 'pass' | 'hold' | 'drop';

export interface TcpProxy {
  readonly port: number;
  readonly url: (scheme: string) => string;
  set(direction: Direction, mode: Mode): void;
  /** Destroys every open connection (both sides see a reset). */
  cutAll(): void;
  /** Refuse new connections until `accept(true)`. */
  accept(on: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Bytes per second in each direction; default unthrottled. Excess is queued, as at a bottleneck. */
  rateBytesPerS?: number;
}

/** Paces writes to `rate` bytes/s; queued bytes wait their turn (FIFO), as behind a slow link. */
function pacer(rate: number) {
  const queue: { sock: net.Socket; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last = performance.now();
  let credit = 0;
  const tick = () => {
    timer = undefined;
    const now = performance.now();
    credit = Math.min(credit + ((now - last) / 1000) * rate, rate / 10);
    last = now;
    while (queue.length > 0 && credit > 0) {
      const head = queue[0] as { sock: net.Socket; chunk: Buffer };
      const n = Math.min(head.chunk.byteLength, Math.max(1, Math.floor(credit)));
      if (!head.sock.destroyed) head.sock.write(head.chunk.subarray(0, n));
      credit -= n;
      if (n === head.chunk.byteLength) queue.shift();
      else head.chunk = head.chunk.subarray(n);
    }
    if (queue.length > 0) timer = setTimeout(tick, 5);
  };
  return {
    write(sock: net.Socket, chunk: Buffer) {
      queue.push({ sock, chunk });
      if (!timer) {
        last = performance.now();
        timer = setTimeout(tick, 0);
      }
    },
    stop() {
      clearTimeout(timer);
      queue.length = 0;
    },
  };
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Record<Direction, Buffer[]>;
}

export async function startTcpProxy(target: { host: string; port: number }, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const modes: Record<Direction, Mode> = { up: 'pass', down: 'pass' };
  const rate = opts.rateBytesPerS;
  const pacers = rate === undefined ? undefined : { up: pacer(rate), down: pacer(rate) };
  const send = (dir: Direction, sock: net.Socket, chunk: Buffer) => {
    if (pacers) pacers[dir].write(sock, chunk);
    else sock.write(chunk);
  };
  const pairs = new Set<Pair>();
  let accepting = true;

  const forward = (pair: Pair, dir: Direction, chunk: Buffer) => {
    const mode = modes[dir];
    if (mode === 'drop') return;
    if (mode === 'hold') {
      pair.held[dir].push(chunk);
      return;
    }
    send(dir, dir === 'up' ? pair.upstream : pair.client, chunk);
  };

  const server = net.createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: { up: [], down: [] } };
    pairs.add(pair);
    client.on('data', (c: Buffer) => forward(pair, 'up', c));
    upstream.on('data', (c: Buffer) => forward(pair, 'down', c));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    port,
    url: (scheme) => `${scheme}://${urlHost}:${port}`,
    set(direction, mode) {
      modes[direction] = mode;
      if (mode === 'pass') {
        for (const pair of pairs) {
          const queued = pair.held[direction].splice(0);
          for (const c of queued) send(direction, direction === 'up' ? pair.upstream : pair.client, c);
        }
      }
    },
    cutAll() {
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    accept(on) {
      accepting = on;
    },
    connections: () => pairs.size,
    close() {
      pacers?.up.stop();
      pacers?.down.stop();
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
