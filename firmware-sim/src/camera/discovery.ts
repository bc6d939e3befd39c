/**
 * WS-Discovery responder of the simulated camera: answers a Probe for NetworkVideoTransmitter (or
 * an untyped Probe) with a unicast ProbeMatches to the sender. In production a camera listens on
 * 239.255.255.250:3702; tests bind it to a loopback port and send directed probes.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { NetworkInterfaceInfo } from 'node:os';
import { XMLParser } from 'fast-xml-parser';
import { escapeXml as x } from './soap.js';

export const WS_DISCOVERY_MULTICAST = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

export interface DiscoveryResponderOptions {
  endpointReference: string;
  /** The device service URLs, or how to find them for a given prober's address. */
  xaddrs: readonly string[] | ((sender: string) => readonly string[]);
  scopes: readonly string[];
  /** Default 0.0.0.0 (joins the multicast group) ; a loopback address for tests. */
  host?: string;
  /** Default 3702; 0 picks a free port. */
  port?: number;
  onMalformed?: (reason: string) => void;
}

export interface DiscoveryResponder {
  readonly port: number;
  close(): Promise<void>;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });

/** Extracts the MessageID and Types of a Probe; null when the datagram is not a Probe. */
export function parseProbe(xml: string): { messageId: string; types: string[] } | null {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch {
    return null;
  }
  const env = (doc as { Envelope?: { Header?: { MessageID?: unknown }; Body?: { Probe?: unknown } } }).Envelope;
  const probe = env?.Body?.Probe;
  if (probe === undefined) return null;
  const id = env?.Header?.MessageID;
  const typesRaw = typeof probe === 'object' && probe !== null ? (probe as { Types?: unknown }).Types : undefined;
  return {
    messageId: typeof id === 'string' ? id : '',
    types: typeof typesRaw === 'string' ? typesRaw.split(/\s+/).filter(Boolean) : [],
  };
}

export function probeMatchesXml(opts: {
  relatesTo: string;
  messageId: string;
  endpointReference: string;
  xaddrs: readonly string[];
  scopes: readonly string[];
  messageNumber: number;
}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Header><a:MessageID>${x(opts.messageId)}</a:MessageID><a:RelatesTo>${x(opts.relatesTo)}</a:RelatesTo><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action><d:AppSequence InstanceId="1" MessageNumber="${opts.messageNumber}"/></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>${x(opts.endpointReference)}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>${x(opts.scopes.join(' '))}</d:Scopes><d:XAddrs>${x(opts.xaddrs.join(' '))}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
}

function matches(types: string[]): boolean {
  if (types.length === 0) return true;
  return types.some((t) => /(^|:)(NetworkVideoTransmitter|Device)$/.test(t));
}

function ipv4ToInt(a: string): number | null {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return null;
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

/**
 * The host's IPv4 addresses a prober at `sender` can reach: those of the interface on its subnet
 * (127.0.0.1 for a local prober), else every external one. (Which local address a multicast probe
 * arrived at is not told to a Node socket; the subnet says the same for a prober on the LAN.)
 */
export function addressesFacing(sender: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const from = ipv4ToInt(sender.replace(/^::ffff:/, ''));
  const v4 = Object.values(interfaces)
    .flatMap((l) => l ?? [])
    .filter((i) => i.family === 'IPv4');
  const onLink = v4.filter((i) => {
    const a = ipv4ToInt(i.address);
    const m = ipv4ToInt(i.netmask);
    return from !== null && a !== null && m !== null && (a & m) >>> 0 === (from & m) >>> 0;
  });
  if (onLink.length > 0) return onLink.map((i) => i.address);
  const external = v4.filter((i) => !i.internal).map((i) => i.address);
  return external.length > 0 ? external : ['127.0.0.1'];
}

export async function startDiscoveryResponder(opts: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  const host = opts.host ?? '0.0.0.0';
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  let messageNumber = 0;
  socket.on('message', (msg, rinfo) => {
    const probe = parseProbe(msg.toString('utf8'));
    if (probe === null) {
      opts.onMalformed?.(`not a WS-Discovery Probe from ${rinfo.address}:${rinfo.port}`);
      return;
    }
    if (!matches(probe.types)) return;
    const reply = probeMatchesXml({
      relatesTo: probe.messageId,
      messageId: `urn:uuid:${crypto.randomUUID()}`,
      endpointReference: opts.endpointReference,
      xaddrs: typeof opts.xaddrs === 'function' ? opts.xaddrs(rinfo.address) : opts.xaddrs,
      scopes: opts.scopes,
      messageNumber: ++messageNumber,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? WS_DISCOVERY_PORT, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  if (host === '0.0.0.0') socket.addMembership(WS_DISCOVERY_MULTICAST);
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
