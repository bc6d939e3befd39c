/**
 * A broker address that may name several nodes of one cluster: "mqtt://a:1883,mqtt://b:1883".
 * mqtt.js takes such a list as `servers` and moves to the next node on each reconnection, so a
 * client whose node died carries on through another one (docs/region.md).
 */
export interface BrokerServer {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp';
}

/** What to hand mqtt.connect: the first URL, plus `servers` when the list names more than one node. */
export interface BrokerConnectArgs {
  url: string;
  servers?: BrokerServer[];
}

const DEFAULT_PORT: Record<BrokerServer['protocol'], number> = { mqtt: 1883, tcp: 1883, mqtts: 8883, ws: 80, wss: 443 };

/** The URLs of a comma-separated list, trimmed; a single URL gives a list of one. */
export function splitBrokerUrls(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Parses a broker list for mqtt.connect. Throws with the offending entry when one is not an
 * MQTT URL, or when the nodes mix plain and TLS schemes (one client has one set of TLS options).
 * WebSocket URLs with a path cannot be listed (mqtt.js keeps one path for every server).
 */
export function brokerConnectArgs(list: string): BrokerConnectArgs {
  const urls = splitBrokerUrls(list);
  const first = urls[0];
  if (first === undefined) throw new Error(`no broker URL in ${JSON.stringify(list)}`);
  if (urls.length === 1) return { url: first };
  const servers = urls.map((u): BrokerServer => {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new Error(`broker list ${JSON.stringify(list)}: ${JSON.stringify(u)} is not a URL`);
    }
    const protocol = parsed.protocol.slice(0, -1);
    if (!(protocol in DEFAULT_PORT)) throw new Error(`broker list ${JSON.stringify(list)}: ${JSON.stringify(u)} is not an MQTT URL`);
    const p = protocol as BrokerServer['protocol'];
    if ((p === 'ws' || p === 'wss') && parsed.pathname !== '/' && parsed.pathname !== '')
      throw new Error(`broker list ${JSON.stringify(list)}: a listed WebSocket URL cannot have a path (${JSON.stringify(u)})`);
    // URL keeps IPv6 literals in brackets; net.connect wants them bare.
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    return { host, port: parsed.port === '' ? DEFAULT_PORT[p] : Number(parsed.port), protocol: p };
  });
  const secure = new Set(servers.map((s) => s.protocol === 'mqtts' || s.protocol === 'wss'));
  if (secure.size > 1) throw new Error(`broker list ${JSON.stringify(list)} mixes TLS and plain nodes`);
  return { url: first, servers };
}
