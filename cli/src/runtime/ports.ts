import net from 'node:net';

/** The preferred port when it is free on `host`, else 0 (let the OS choose). */
export function preferPort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(0));
    s.listen(preferred, host, () => s.close(() => resolve(preferred)));
  });
}
