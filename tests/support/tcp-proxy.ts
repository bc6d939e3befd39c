/**
 * A loopback TCP relay the tests control: pass traffic, hold one direction (bytes are
 * queued, as on a link that stalls), blackhole it, or cut every connection. Used to put
 * a fault exactly between "the cloud stored it" and "the gateway heard the ack".
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

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Record<Direction, Buffer[]>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const modes: Record<Direction, Mode> = { up: 'pass', down: 'pass' };
  const pairs = new Set<Pair>();
  let accepting = true;

  const forward = (pair: Pair, dir: Direction, chunk: Buffer) => {
    const mode = modes[dir];
    if (mode === 'drop') return;
    if (mode === 'hold') {
      pair.held[dir].push(chunk);
      return;
    }
    (dir === 'up' ? pair.upstream : pair.client).write(chunk);
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    set(direction, mode) {
      modes[direction] = mode;
      if (mode === 'pass') {
        for (const pair of pairs) {
          const queued = pair.held[direction].splice(0);
          for (const c of queued) (direction === 'up' ? pair.upstream : pair.client).write(c);
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
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
