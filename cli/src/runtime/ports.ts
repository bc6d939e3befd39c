import net from 'node:net';

/** The preferred port when it is free on `host`, else 0 (let the OS choose). */
export function preferPort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(0));
    s.listen(preferred, host, () => s.close(() => resolve(preferred)));
  });
}

/** A port free on `host` right now, chosen by the OS (to name in a config before the service binds it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The preferred port when free, else another free one: a concrete number a generated config can carry. */
export async function concretePort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await preferPort(preferred, host)) || freePort(host);
}
