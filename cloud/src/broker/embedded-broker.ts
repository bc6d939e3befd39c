/**
 * The embedded MQTT broker (aedes on a TCP server) for single-machine installs and tests.
 * At scale the cloud points its ingest at an external broker instead; nothing else changes.
 * Retained messages and last wills work as aedes implements them (in-memory persistence:
 * the gateways re-publish their retained status on reconnect).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { MAX_PAYLOAD_BYTES, parseTopic, topics } from '@telecart/protocol';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { ConnectGate, type ConnectRateOptions, DEFAULT_CONNECT_RATE } from './connect-gate.js';
import { type InProcessClient, inProcessClient } from './in-process-client.js';
import { PacketSizeGuard } from './packet-size-guard.js';
import { indexRetained, type RetainedStore } from './retained-index.js';
import { DEFAULT_UPLINK_CREDIT, UplinkCredit, type UplinkCreditOptions } from './uplink-credit.js';

/** Who is asking, as far as the broker knows. */
export interface BrokerClientInfo {
  clientId: string;
  /** Subject CN of the verified client certificate (mutual TLS only). */
  commonName?: string | null;
  /** Serial of that certificate, lower-case hex without leading zeros. */
  serial?: string;
}

/** Decides whether a connecting client may connect at all; `error` is logged and the client refused. */
export type BrokerAuthenticator = (client: BrokerClientInfo) => { ok: true } | { ok: false; error: string };

/** Mutual TLS: every client must present a certificate signed by `ca` (and not on `crl`). */
export interface BrokerTlsOptions {
  key: string;
  cert: string;
  ca: string;
  crl?: string;
  /**
   * Session-ticket key (48 bytes) kept across restarts, so a gateway resumes its TLS session with a
   * ticket from before one (docs/region.md, « TLS sessions resumed across a restart »). Without it,
   * Node's random per-process key: tickets resume only within this process.
   */
  ticketKey?: Buffer;
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
  authenticate?: BrokerAuthenticator;
  tls?: BrokerTlsOptions;
  /**
   * A frame announcing more is refused and its connection closed before the body is read.
   * Default 16 MiB (MQTT allows 256 MiB); the secured cloud uses the payload limit + 64 KiB.
   */
  maxPacketBytes?: number;
  /**
   * Connections accepted per second and handshakes under way (load shedding during a reconnect
   * storm; docs/region.md, « The reconnect storm »): beyond them a connection waits unread in a
   * bounded queue (maxQueued, maxWaitMs), then is refused: plain MQTT gets CONNACK 3 "server
   * unavailable", TLS is closed before its handshake. Default DEFAULT_CONNECT_RATE; false: no limit.
   */
  connectRate?: ConnectRateOptions | false;
  /**
   * Admission at the store's pace (with connectRate): a new connection is admitted only while fewer
   * than maxInFlight uplink batches from the public side await the ack the internal side (the
   * ingest) publishes; otherwise it waits like one over the rate (docs/region.md, « Admitting at the
   * store's pace »); with awaitIngest, none before an internal client subscribed to the uplinks.
   * Default DEFAULT_UPLINK_CREDIT; false: no such bound.
   */
  uplinkCredit?: UplinkCreditOptions | false;
  /** Clock of the connect rate (tests). Default Date.now. */
  now?: () => number;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  /**
   * The cloud's own clients' address (ingest, relay, publishers): a second listener on 127.0.0.1,
   * same TLS and authentication, outside the connect rate — a reconnect storm of gateways must not
   * shed the cloud's own connections (a start would fail on them).
   */
  internalUrl: string;
  /**
   * A client in this process without a socket (the ingest in the embedded layout), on the internal
   * side: its subscription to the uplinks opens the door (awaitIngest), its acks return uplink credit.
   */
  inProcessClient(): InProcessClient;
  /** Replaces the TLS material for new handshakes (a new CRL after a revocation). */
  updateTls(tls: BrokerTlsOptions): void;
  /** Closes the connections of the clients matching `which`; returns how many. */
  disconnect(which: (client: BrokerClientInfo) => boolean): number;
  /** Connections refused so far (authentication, oversize frames). */
  refusedConnections(): number;
  /** Connections refused by the connect rate (load shed) so far. */
  shedConnections(): number;
  /** Connections waiting for the connect rate to admit them (before any handshake). */
  waitingConnections(): number;
  /** Uplink batches received from gateways and not yet acked by the ingest (0 without uplinkCredit). */
  uplinksInFlight(): number;
  stop(): Promise<void>;
}

const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;
/** CONNACK, return code 3: "server unavailable" (MQTT 3.1.1 §3.2.2.3). */
const CONNACK_SERVER_UNAVAILABLE = Buffer.from([0x20, 0x02, 0x00, 0x03]);
/** What an authenticated gateway may send at most: a full batch payload plus topic and headers. */
export const SECURED_MAX_PACKET_BYTES = MAX_PAYLOAD_BYTES + 64 * 1024;

/** Lifetime of a session ticket, in seconds: 7 days, the most TLS 1.3 allows (Node's default, 300 s, is shorter than an outage). */
export const TLS_SESSION_LIFETIME_S = 7 * 86_400;
/**
 * The session context sealed into every ticket: fixed, so that tickets outlive the process (Node's
 * default derives it from the process's command line) and match on both listeners.
 */
const SESSION_ID_CONTEXT = 'telecart-broker';

function secureContext(tls: BrokerTlsOptions): SecureContextOptions & { requestCert: true; rejectUnauthorized: true } {
  return {
    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    ...(tls.crl ? { crl: tls.crl } : {}),
    ...(tls.ticketKey ? { ticketKeys: tls.ticketKey } : {}),
    sessionTimeout: TLS_SESSION_LIFETIME_S,
    sessionIdContext: SESSION_ID_CONTEXT,
    requestCert: true,
    rejectUnauthorized: true,
  };
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
  // The verified peer certificate of each connection, read once after the TLS handshake.
  const peers = new WeakMap<object, { commonName: string | null; serial: string }>();
  const info = (client: Client): BrokerClientInfo => {
    const peer = peers.get(client.conn);
    return peer ? { clientId: client.id, ...peer } : { clientId: client.id };
  };
  let refused = 0;
  const broker = await Aedes.createBroker({
    authenticate(client, _username, _password, done) {
      if (!opts.authenticate) return done(null, true);
      const who = info(client);
      const verdict = opts.authenticate(who);
      if (verdict.ok) return done(null, true);
      refused++;
      log.warn(
        { clientId: who.clientId, commonName: who.commonName, serial: who.serial, err: verdict.error },
        'broker: connection refused',
      );
      // 5 = not authorized (MQTT 3.1.1 CONNACK return code).
      done(Object.assign(new Error(verdict.error), { returnCode: 5 as const }), false);
    },
    authorizePublish(client, packet, callback) {
      // client is null for messages the broker publishes itself ($SYS, wills already authorized).
      if (!client || !auth?.authorizePublish) return callback(null);
      Promise.resolve(auth.authorizePublish(info(client), packet.topic)).then(
        (ok) => callback(ok ? null : new Error(`publish to ${packet.topic} not authorized`)),
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    },
    authorizeSubscribe(client, subscription, callback) {
      if (!auth?.authorizeSubscribe) return callback(null, subscription);
      Promise.resolve(auth.authorizeSubscribe(info(client), subscription.topic)).then(
        (ok) => {
          if (!ok) log.warn({ clientId: client.id, topic: subscription.topic }, 'broker: subscription refused');
          callback(null, ok ? subscription : null);
        },
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    },
  });
  // aedes's default in-memory persistence (broker.persistence, not in aedes's type): exact retained lookups indexed.
  indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'broker: client error'));
  broker.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'broker: connection error'));

  const sockets = new Set<Socket>();
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const rate = opts.connectRate === undefined ? DEFAULT_CONNECT_RATE : opts.connectRate;
  const creditOpts = opts.uplinkCredit === undefined ? DEFAULT_UPLINK_CREDIT : opts.uplinkCredit;
  const credit = rate === false || creditOpts === false ? undefined : new UplinkCredit(creditOpts, opts.now);
  /** Whether an internal client (the ingest) subscribed to the uplinks: before, none is admitted with awaitIngest. */
  let ingestSubscribed = !(creditOpts !== false && creditOpts.awaitIngest);
  const gate =
    rate === false ? undefined : new ConnectGate<Socket>(rate, opts.now, credit ? () => ingestSubscribed && credit.hasRoom() : undefined);
  /** Connections of the internal listener (the cloud's own clients): their acks return credit. */
  const internalConns = new WeakSet<object>();
  const uplinkFilters = new Set([topics.allUplinks(false), topics.allUplinks(true)]);
  /** An internal client subscribed to `filters` (over the internal listener or in process). */
  const internalSubscribed = (filters: readonly string[]): void => {
    if (!credit || ingestSubscribed || !filters.some((f) => uplinkFilters.has(f))) return;
    ingestSubscribed = true;
    log.info('broker: the ingest subscribed to the uplinks, gateways admitted');
    releaseWaiting();
  };
  /** An internal client published on `topic`: an ack returns its credit. */
  const internalPublished = (topic: string): void => {
    if (!credit || parseTopic(topic)?.kind !== 'ack') return;
    credit.acked();
    releaseWaiting();
  };
  if (credit) {
    broker.on('subscribe', (subscriptions, client) => {
      if (internalConns.has(client.conn)) internalSubscribed(subscriptions.map((s) => s.topic));
    });
    broker.on('publish', (packet, client) => {
      if (!client) return;
      if (internalConns.has(client.conn)) internalPublished(packet.topic);
      else if (parseTopic(packet.topic)?.kind === 'uplink') credit.received();
    });
  }
  let lastShedLog = 0;
  /** Refuses a connection over the gate's limits: closed here (counted by the gate). */
  const refuse = (socket: Socket): void => {
    const now = (opts.now ?? Date.now)();
    // One line per second at most: a storm must not also flood the log.
    if (now - lastShedLog >= 1000) {
      lastShedLog = now;
      log.warn(
        {
          shed: gate?.shedCount(),
          waiting: gate?.queued(),
          queueLimit: gate?.queueLimit(),
          uplinksInFlight: credit?.inFlight(),
          uplinkLimit: credit?.limit(),
          connected: sockets.size,
        },
        'broker: connection rate exceeded, new connections refused (server unavailable)',
      );
    }
    socket.on('error', () => undefined);
    // Plain MQTT: refused with a CONNACK the client understands; TLS: closed before its handshake.
    // Closed as soon as the CONNACK is handed to the kernel: a shed client holds nothing here.
    if (!opts.tls) socket.write(CONNACK_SERVER_UNAVAILABLE, () => socket.destroy());
    else socket.destroy();
  };
  /** TLS connections admitted and still in their handshake, by remote address and port. */
  const handshaking = new Set<string>();
  const endpoint = (s: Socket) => `${s.remoteAddress}|${s.remotePort}`;
  const settle = (key: string) => {
    if (handshaking.delete(key)) {
      gate?.settled();
      releaseWaiting();
    }
  };
  const onConnection = (socket: Socket) => {
    if (opts.tls) settle(endpoint(socket));
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // No Nagle: a small PUBLISH (an ack, a lone alarm batch) is not held back waiting for the
    // peer's delayed ACK of the previous segment (~40 ms each on Linux).
    socket.setNoDelay(true);
    socket.on('error', (err) => log.debug({ err: err.message }, 'broker: socket error'));
    if (opts.tls) {
      const cert = (socket as TLSSocket).getPeerCertificate();
      peers.set(socket, {
        commonName: typeof cert.subject?.CN === 'string' ? cert.subject.CN : null,
        serial: String(cert.serialNumber ?? '')
          .toLowerCase()
          .replace(/^0+(?=.)/, ''),
      });
    }
    broker.handle(socket);
    // aedes reads with 'readable' + read(), so this listener sees each chunk as aedes takes it.
    const guard = new PacketSizeGuard(maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const v = guard.push(chunk);
      if (v.ok) return;
      refused++;
      log.warn({ remote: socket.remoteAddress, err: v.error }, 'broker: connection closed');
      socket.destroy();
    });
  };
  const onInternal = (socket: Socket) => {
    internalConns.add(socket);
    onConnection(socket);
  };
  const makeTls = (tls: BrokerTlsOptions, handler: (socket: Socket) => void) =>
    createTlsServer({ ...secureContext(tls), handshakeTimeout: 10_000 }, handler).on('tlsClientError', (err) => {
      refused++;
      log.info({ err: err.message }, 'broker: TLS handshake refused');
    });
  // The public side: TCP accepted paused (nothing read, no handshake) until the gate admits it,
  // then handed to the TLS layer (or to aedes, plain). The internal listener is not gated.
  const publicTls = opts.tls ? makeTls(opts.tls, onConnection) : undefined;
  /** Connections held by the gate, not yet admitted (closed on stop). */
  const held = new Set<Socket>();
  const pass = (raw: Socket): void => {
    held.delete(raw);
    if (publicTls) {
      if (gate) {
        const key = endpoint(raw);
        handshaking.add(key);
        raw.once('close', () => settle(key));
      }
      publicTls.emit('connection', raw);
    } else {
      // Plain MQTT has no handshake: the slot is free once admitted.
      gate?.settled();
      onConnection(raw);
      raw.resume();
    }
  };
  let waitTimer: NodeJS.Timeout | undefined;
  /** Admits (or, past their wait, refuses) the held connections; re-armed while some wait. */
  function releaseWaiting(): void {
    if (!gate || gate.queued() === 0) return;
    const { admitted, expired } = gate.release();
    for (const s of expired) {
      held.delete(s);
      refuse(s);
    }
    for (const s of admitted) pass(s);
    if (gate.queued() > 0 && !waitTimer) {
      // Tokens come back with time: look again soon, and by the oldest's deadline at the latest.
      waitTimer = setTimeout(
        () => {
          waitTimer = undefined;
          releaseWaiting();
        },
        Math.max(1, Math.min(20, (gate.nextExpiryMs() ?? 20) + 1)),
      );
      waitTimer.unref();
    }
  }
  const server = createServer({ pauseOnConnect: true }, (raw) => {
    if (!gate) return pass(raw);
    const verdict = gate.offer(raw);
    if (verdict === 'admitted') return pass(raw);
    if (verdict === 'shed') return refuse(raw);
    held.add(raw);
    raw.on('error', () => undefined);
    raw.once('close', () => {
      if (held.delete(raw)) gate.withdraw(raw);
    });
    releaseWaiting();
  });
  const internal = opts.tls ? makeTls(opts.tls, onInternal) : createServer(onInternal);
  let port: number;
  let internalPort: number;
  try {
    port = await listen(server, opts.port ?? 0, host);
    internalPort = await listen(internal, 0, '127.0.0.1');
  } catch (e) {
    server.close();
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  const scheme = opts.tls ? 'mqtts' : 'mqtt';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const internalUrl = `${scheme}://127.0.0.1:${internalPort}`;
  log.info({ url, internalUrl }, 'broker: embedded MQTT broker listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    internalUrl,
    inProcessClient: () => inProcessClient(broker, { subscribed: internalSubscribed, published: internalPublished }),
    updateTls(tls) {
      if (!opts.tls) throw new Error('the broker was started without TLS');
      for (const s of [publicTls, internal]) (s as ReturnType<typeof createTlsServer>).setSecureContext(secureContext(tls));
    },
    disconnect(which) {
      let n = 0;
      for (const socket of sockets) {
        const peer = peers.get(socket);
        // The client id is not known at this level: match on what the certificate says.
        if (peer && which({ clientId: '', ...peer })) {
          socket.destroy();
          n++;
        }
      }
      return n;
    },
    refusedConnections: () => refused,
    shedConnections: () => gate?.shedCount() ?? 0,
    waitingConnections: () => gate?.queued() ?? 0,
    uplinksInFlight: () => credit?.inFlight() ?? 0,
    stop() {
      stopped ??= (async () => {
        const closed = Promise.all([server, internal].map((s) => new Promise<void>((r) => s.close(() => r()))));
        await new Promise<void>((r) => broker.close(() => r()));
        clearTimeout(waitTimer);
        for (const s of [...held, ...sockets]) s.destroy();
        await closed;
      })();
      return stopped;
    },
  };
}
