/**
 * TLS session resumption across a cloud restart (docs/region.md, « TLS sessions resumed across a
 * restart »), over real TLS sockets on loopback against the cloud's embedded broker: the session-ticket
 * key kept in the security directory, the real gateway resuming after a restart and admitted with its
 * identity, a revoked gateway refused on a resumed session, a garbled or foreign ticket falling back
 * to a full handshake.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import { attachTlsSessions, type GatewayCredentials, TlsSessions } from '@telecart/gateway';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_KEY_FILE } from '../../cloud/src/security/ticket-keys.js';
import { waitFor } from '../support/wait.js';
import { enrollWith, type HomeGateway, homeGateway, quiet, servedPatients, tempDir } from './support.js';

const dir = tempDir('telecart-resume-');
let cloud: Cloud;
let port: number;
const creds: Record<string, GatewayCredentials> = {};

const start = (mqttPort: number) =>
  startCloud({
    dataDir: dir.path,
    mqttPort,
    httpPort: 0,
    tls: { enabled: true, enrollPort: 0 },
    patients: servedPatients(['gw-a']),
    logger: quiet(),
  });

/** One MQTT connection of `gatewayId` offering the ticket `sessions` keeps; resolves once its CONNACK came. */
function connectWith(gatewayId: string, sessions: TlsSessions): Promise<{ client: MqttClient; sessions: TlsSessions }> {
  const ticket = sessions.ticketFor('127.0.0.1', port);
  // A client's first connection is built by mqtt.connect(): the kept ticket is offered by hand; its later ones, by attachTlsSessions().
  const client = mqtt.connect(cloud.mqttUrl, {
    ...creds[gatewayId]!,
    ...(ticket ? { session: ticket } : {}),
    clientId: gatewayId,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  attachTlsSessions(client, sessions);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ client, sessions }));
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** A ticket of `gatewayId`'s: one connection made and closed. */
async function ticketOf(gatewayId: string, sessions: TlsSessions): Promise<void> {
  const { client } = await connectWith(gatewayId, sessions);
  await waitFor(() => sessions.ticketFor('127.0.0.1', port) !== undefined, { what: 'a session ticket' });
  await client.endAsync();
}

beforeAll(async () => {
  cloud = await start(0);
  port = Number(new URL(cloud.mqttUrl).port);
  for (const id of ['gw-a', 'gw-b', 'gw-c']) creds[id] = await enrollWith(cloud, dir.path, id);
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  dir.remove();
});

describe('TLS sessions across a restart', () => {
  let gw: HomeGateway | undefined;
  afterAll(async () => gw?.stop());

  it('keeps the ticket key 0600 in the security directory; the real gateway resumes after a restart, with its identity', async () => {
    const keyFile = join(dir.path, 'security', TICKET_KEY_FILE);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8');
    gw = await homeGateway({ gatewayId: 'gw-a', cloudUrl: cloud.mqttUrl, dataDir: `${dir.path}/gw-a` });
    const g = gw.gateway;
    await waitFor(() => g.sync.connected, { what: 'the gateway to connect' });
    expect(g.sync.state().tlsHandshakes).toEqual({ full: 1, resumed: 0 });

    await cloud.stop();
    await waitFor(() => !g.sync.connected, { what: 'the gateway to see the cloud go' });
    gw.measure(2);
    cloud = await start(port);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    await waitFor(() => g.sync.connected, { what: 'the gateway to reconnect', timeoutMs: 20_000 });
    expect(g.sync.state().tlsHandshakes).toMatchObject({ full: 1, resumed: 1 });
    // Admitted as itself: its readings are stored (the broker's ACL and the ingest read the certificate's CN).
    await waitFor(async () => (await cloud.store.countObservations({})) === 2, { what: 'the 2 readings stored' });
    expect(g.store.stats().pending).toBe(0);
  }, 60_000);

  it('refuses a revoked gateway on a resumed session', async () => {
    const sessions = attachedSessions();
    await ticketOf('gw-b', sessions);
    await cloud.security!.revoke('gw-b');
    await expect(connectWith('gw-b', sessions)).rejects.toThrow(/not authorized/i);
    // The session was resumed (the new CRL's context kept the ticket key): the refusal is the broker's serial check.
    expect(sessions.stats()).toEqual({ full: 1, resumed: 1 });
  });

  it('makes a full handshake for a garbled ticket, and connects', async () => {
    const sessions = attachedSessions();
    await ticketOf('gw-c', sessions);
    const again = await connectWith('gw-c', sessions);
    expect(sessions.stats()).toEqual({ full: 1, resumed: 1 });
    await waitFor(() => sessions.ticketFor('127.0.0.1', port) !== undefined, { what: 'a ticket' });
    await again.client.endAsync();
    // The ticket inside the kept session, one byte changed: the broker cannot open it.
    sessions.garble();
    const { client } = await connectWith('gw-c', sessions);
    expect(sessions.stats()).toEqual({ full: 2, resumed: 1 });
    await client.endAsync();
  });
});

/**
 * The offset of the ticket inside a client's DER-encoded session (SSL_SESSION: a SEQUENCE whose
 * field [10] holds the ticket as an OCTET STRING), so a test can change one of its bytes.
 */
function ticketOffset(session: Buffer): number {
  const header = (at: number): { tag: number; body: number; length: number } => {
    const tag = session[at]!;
    const first = session[at + 1]!;
    if (first < 0x80) return { tag, body: at + 2, length: first };
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + session[at + 2 + i]!;
    return { tag, body: at + 2 + (first & 0x7f), length };
  };
  const top = header(0);
  for (let at = top.body; at < top.body + top.length; ) {
    const field = header(at);
    if (field.tag === 0xaa) {
      const octets = header(field.body);
      if (octets.tag === 0x04 && octets.length > 16) return octets.body;
    }
    at = field.body + field.length;
  }
  throw new Error('no ticket in the session');
}

/** Tickets kept as by the gateway, one of which can be garbled: what a forged or corrupted ticket looks like to the broker. */
class GarblingSessions extends TlsSessions {
  private garbled = false;

  garble(): void {
    this.garbled = true;
  }

  override ticketFor(host: unknown, port: unknown): Buffer | undefined {
    const session = super.ticketFor(host, port);
    if (!session || !this.garbled) return session;
    const copy = Buffer.from(session);
    // Past the ticket's key name: its encrypted state.
    const at = ticketOffset(copy) + 40;
    copy[at] = copy[at]! ^ 0xff;
    return copy;
  }
}

const attachedSessions = () => new GarblingSessions();
