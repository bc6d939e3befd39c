/**
 * TLS session resumption for an mqtt.js client (docs/region.md, « TLS sessions resumed across a
 * restart »): the newest session ticket each broker gave is kept and offered on the next connection
 * to that broker, so a reconnect after a cloud restart skips the certificates' signatures and
 * chain checks on both sides. The broker still sees the gateway's verified certificate in a
 * resumed session; a ticket it cannot open (another key, garbled) only means a full handshake.
 * Tickets live in memory: a gateway's own restart makes one full handshake.
 */
import { TLSSocket } from 'node:tls';
import type { MqttClient } from 'mqtt';

export interface TlsSessionCounts {
  /** TLS handshakes completed with a full certificate exchange. */
  full: number;
  /** TLS handshakes that resumed a session from a ticket. */
  resumed: number;
}

/** Keeps the tickets of one client's brokers; see attachTlsSessions(). */
export class TlsSessions {
  private readonly tickets = new Map<string, Buffer>();
  private readonly counts: TlsSessionCounts = { full: 0, resumed: 0 };

  /** The ticket to offer to the broker at `host:port`, if one is kept. */
  ticketFor(host: unknown, port: unknown): Buffer | undefined {
    return this.tickets.get(`${String(host)}:${String(port)}`);
  }

  /** How the handshakes so far went. */
  stats(): TlsSessionCounts {
    return { ...this.counts };
  }

  /**
   * Follows `socket`, the connection to `host:port`: keeps the newest ticket it receives and
   * counts its handshake as full or resumed.
   */
  watch(socket: TLSSocket, host: unknown, port: unknown): void {
    const key = `${String(host)}:${String(port)}`;
    socket.on('session', (ticket: Buffer) => this.tickets.set(key, ticket));
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) this.counts.resumed++;
      else this.counts.full++;
    });
  }
}

/**
 * Makes `client` offer the kept ticket of the broker it connects to (mqtt.js hands its options,
 * `session` included, to tls.connect(), and picks the broker of a cluster list just before) and
 * keep the tickets of each new connection. Its first connection, already built by mqtt.connect(),
 * is followed but offers only what was passed as `session` there. Plain MQTT connections are left alone.
 */
export function attachTlsSessions(client: MqttClient, sessions = new TlsSessions()): TlsSessions {
  const options = client.options as Record<string, unknown>;
  // Read by tls.connect() when each connection is built, after mqtt.js set host and port for it.
  Object.defineProperty(options, 'session', {
    configurable: true,
    enumerable: true,
    get: () => sessions.ticketFor(options.host, options.port),
  });
  const follow = (): void => {
    const stream: unknown = client.stream;
    if (stream instanceof TLSSocket) sessions.watch(stream, options.host, options.port);
  };
  // The first connection was built by mqtt.connect() itself, in this same turn: its handshake has not begun.
  follow();
  // Each later one: mqtt.js sends CONNECT in the same turn as it builds the connection.
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') follow();
  });
  return sessions;
}
