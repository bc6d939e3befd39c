/**
 * The embedded MQTT broker (aedes on a TCP server) for single-machine installs and tests.
 * At scale the cloud points its ingest at an external broker instead; nothing else changes.
 * Retained messages and last wills work as aedes implements them (in-memory persistence:
 * the gateways re-publish their retained status on reconnect).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';

/** Who is asking, as far as the broker knows. */
export interface BrokerClientInfo {
  clientId: string;
}

/**
 * Extension point for topic authorization (a gateway may only publish and subscribe under its own
 * id). Return false to refuse: a refused publish disconnects the client (MQTT 3.1.1 has no negative
 * PUBACK), a refused subscription gets the 0x80 failure code.
 */
export interface BrokerAuthorizer {
  authorizePublish?(client: BrokerClientInfo, topic: string): boolean | Promise<boolean>;
  authorizeSubscribe?(client: BrokerClientInfo, topicFilter: string): boolean | Promise<boolean>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port?: number;
  logger: Logger;
  authorizer?: BrokerAuthorizer;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('broker did not bind a TCP port'));
      else resolve(addr.port);
    });
  });
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger;
  const auth = opts.authorizer;
  const broker = await Aedes.createBroker({
    authorizePublish(client, packet, callback) {
      // client is null for messages the broker publishes itself ($SYS, wills already authorized).
      if (!client || !auth?.authorizePublish) return callback(null);
      Promise.resolve(auth.authorizePublish({ clientId: client.id }, packet.topic)).then(
        (ok) => callback(ok ? null : new Error(`publish to ${packet.topic} not authorized`)),
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    },
    authorizeSubscribe(client, subscription, callback) {
      if (!auth?.authorizeSubscribe) return callback(null, subscription);
      Promise.resolve(auth.authorizeSubscribe({ clientId: client.id }, subscription.topic)).then(
        (ok) => {
          if (!ok) log.warn({ clientId: client.id, topic: subscription.topic }, 'broker: subscription refused');
          callback(null, ok ? subscription : null);
        },
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    },
  });
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'broker: client error'));
  broker.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'broker: connection error'));

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  let port: number;
  try {
    port = await listen(server, opts.port ?? 0, host);
  } catch (e) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'broker: embedded MQTT broker listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        await new Promise<void>((r) => broker.close(() => r()));
        for (const s of sockets) s.destroy();
        await closed;
      })();
      return stopped;
    },
  };
}
