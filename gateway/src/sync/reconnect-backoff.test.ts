import { createServer, type Server, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { RECONNECT_DEFAULTS } from './backoff.js';
import { attachReconnectBackoff } from './reconnect-backoff.js';

const servers: Server[] = [];
const clients: mqtt.MqttClient[] = [];
const held: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const s of held.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/**
 * A loopback listener that does what the broker's shedding does with TLS: accept unread, close before
 * any handshake — at once (the queue full), or after holding it (its wait over: the ClientHello is in
 * unread, and the close is a reset).
 */
async function shedding(holdMs: number): Promise<number> {
  const s = createServer({ pauseOnConnect: true }, (socket) => {
    if (holdMs === 0) socket.destroy();
    else setTimeout(() => socket.destroy(), holdMs);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

/** A loopback port with nobody listening (taken, then freed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

/** Connects with the policy attached; resolves at the first close, with the delay mqtt.js will wait. */
function firstClose(url: string, connectTimeout = 5000) {
  const client = mqtt.connect(url, { rejectUnauthorized: false, reconnectPeriod: 1, connectTimeout });
  clients.push(client);
  const backoff = attachReconnectBackoff(client, { baseMs: RECONNECT_DEFAULTS.baseMs, maxMs: RECONNECT_DEFAULTS.maxMs }, () => 0.5);
  client.on('error', () => undefined);
  return new Promise<{ end: string | null; failure: string | null; delayMs: number | undefined }>((resolve) =>
    client.once('close', () => {
      resolve({ end: backoff.lastEnd(), failure: backoff.lastFailure(), delayMs: client.options.reconnectPeriod });
      client.end(true);
    }),
  );
}

describe('attachReconnectBackoff', () => {
  it('waits afterShedMs when the broker closed the connection before its TLS handshake (shed)', async () => {
    const port = await shedding(0);
    expect(await firstClose(`mqtts://127.0.0.1:${port}`)).toEqual({
      end: 'shed',
      failure: 'shed',
      delayMs: RECONNECT_DEFAULTS.afterShedMs,
    });
  });

  it('waits afterShedMs when the broker held the connection, then refused it (a reset)', async () => {
    const port = await shedding(300);
    expect(await firstClose(`mqtts://127.0.0.1:${port}`)).toEqual({
      end: 'shed',
      failure: 'shed',
      delayMs: RECONNECT_DEFAULTS.afterShedMs,
    });
  });

  it('keeps the exponential schedule when nobody listens (the cloud restarting)', async () => {
    const port = await closedPort();
    expect(await firstClose(`mqtts://127.0.0.1:${port}`)).toEqual({
      end: 'failed',
      failure: 'refused',
      delayMs: RECONNECT_DEFAULTS.baseMs,
    });
  });

  it('tells an attempt with no CONNACK in time (a broker that accepts and never answers) from a shed', async () => {
    const s = createServer((socket) => held.push(socket)); // reads the CONNECT, answers nothing
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    expect(await firstClose(`mqtt://127.0.0.1:${a.port}`, 200)).toEqual({
      end: 'failed',
      failure: 'timeout',
      delayMs: RECONNECT_DEFAULTS.baseMs,
    });
  });
});
