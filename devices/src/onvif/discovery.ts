/**
 * WS-Discovery client: sends a Probe for NetworkVideoTransmitter and collects ProbeMatches,
 * de-duplicated by endpoint reference (a camera answers once per interface). By default it probes
 * the multicast group 239.255.255.250:3702; `targets` sends directed probes (unicast), which is
 * what a configured camera address or a test on loopback needs.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lazyXmlParser } from './xml-parser.js';

export interface DiscoveredCamera {
  /** urn:uuid:… — stable per device. */
  endpointReference: string;
  /** Device service URLs, best match to the responder's address first. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
  /** Who answered. */
  from: { address: string; port: number };
  /** onvif://www.onvif.org/name/… and hardware/… scopes, decoded. */
  name: string | null;
  hardware: string | null;
}

export interface DiscoverOptions {
  /** Default: the multicast group. */
  targets?: readonly { host: string; port: number }[];
  /** How long to collect answers. Default 2000 ms. */
  timeoutMs?: number;
  /** Called for an answer that is not a well-formed ProbeMatches (counted, skipped). */
  onMalformed?: (reason: string) => void;
}

export function probeXml(messageId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:MessageID>${messageId}</a:MessageID><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header><s:Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><d:Types xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">dn:NetworkVideoTransmitter</d:Types></Probe></s:Body></s:Envelope>`;
}

const parser = lazyXmlParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'ProbeMatch',
});

type Parsed = Omit<DiscoveredCamera, 'from'> & { relatesTo: string };

function scopeValue(scopes: string[], kind: string): string | null {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const s = scopes.find((x) => x.startsWith(prefix));
  if (s === undefined) return null;
  try {
    return decodeURIComponent(s.slice(prefix.length));
  } catch {
    return s.slice(prefix.length);
  }
}

/** Parses a ProbeMatches datagram; a reason string when it is not one. */
export function parseProbeMatches(xml: string): Parsed[] | string {
  let doc: unknown;
  try {
    doc = parser().parse(xml, true);
  } catch (e) {
    return `malformed XML: ${(e as Error).message.split('\n')[0]}`;
  }
  type Match = { EndpointReference?: { Address?: unknown }; XAddrs?: unknown; Scopes?: unknown; Types?: unknown };
  const env = (doc as { Envelope?: { Header?: { RelatesTo?: unknown }; Body?: { ProbeMatches?: { ProbeMatch?: Match[] } } } }).Envelope;
  const matches = env?.Body?.ProbeMatches?.ProbeMatch;
  if (!Array.isArray(matches)) return 'not a ProbeMatches message';
  const words = (v: unknown) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : []);
  const out: Parsed[] = [];
  for (const m of matches) {
    const epr = m.EndpointReference?.Address;
    const xaddrs = words(m.XAddrs).filter((u) => /^https?:\/\//.test(u));
    if (typeof epr !== 'string' || epr.length === 0 || xaddrs.length === 0)
      return 'a ProbeMatch without an endpoint reference or an http(s) XAddr';
    const scopes = words(m.Scopes);
    out.push({
      endpointReference: epr,
      xaddrs,
      scopes,
      types: words(m.Types),
      name: scopeValue(scopes, 'name'),
      hardware: scopeValue(scopes, 'hardware'),
      relatesTo: typeof env?.Header?.RelatesTo === 'string' ? env.Header.RelatesTo : '',
    });
  }
  return out;
}

/** Puts the XAddr on the responder's own host first (agsh's matchXAddr idea). */
function preferResponder(xaddrs: string[], address: string): string[] {
  const onHost = (u: string) => {
    try {
      return new URL(u).hostname.replace(/^\[|\]$/g, '') === address;
    } catch {
      return false;
    }
  };
  return [...xaddrs.filter(onHost), ...xaddrs.filter((u) => !onHost(u))];
}

export async function discoverCameras(opts: DiscoverOptions = {}): Promise<DiscoveredCamera[]> {
  const messageId = `urn:uuid:${randomUUID()}`;
  const targets = opts.targets ?? [{ host: '239.255.255.250', port: 3702 }];
  const socket = createSocket({ type: 'udp4' });
  const found = new Map<string, DiscoveredCamera>();
  socket.on('message', (msg, rinfo) => {
    const parsed = parseProbeMatches(msg.toString('utf8'));
    if (typeof parsed === 'string') {
      opts.onMalformed?.(`${rinfo.address}:${rinfo.port}: ${parsed}`);
      return;
    }
    for (const p of parsed) {
      if (p.relatesTo !== '' && p.relatesTo !== messageId) continue;
      if (found.has(p.endpointReference)) continue;
      const { relatesTo: _r, ...camera } = p;
      found.set(p.endpointReference, {
        ...camera,
        xaddrs: preferResponder(camera.xaddrs, rinfo.address),
        from: { address: rinfo.address, port: rinfo.port },
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (e) => opts.onMalformed?.(`socket: ${e.message}`));
  const probe = Buffer.from(probeXml(messageId));
  for (const t of targets) socket.send(probe, t.port, t.host);
  await new Promise((r) => setTimeout(r, opts.timeoutMs ?? 2000));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return [...found.values()];
}
