/**
 * SOAP 1.2 for the simulated camera: parse a request envelope into (operation, body, security
 * header), build response envelopes and ONVIF faults. Namespace prefixes are dropped on parse
 * (clients use any prefix); element names are what the WSDLs define.
 */
import { XMLParser } from 'fast-xml-parser';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

/** A parsed XML element: child elements by local name, attributes as '@_name', text as '#text'. */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | number | boolean | XmlNode | XmlValue[];

export interface SoapRequest {
  operation: string;
  body: XmlNode;
  header: XmlNode;
}

/** An ONVIF fault: env:Sender / env:Receiver with ter: subcodes and a reason. */
export class SoapFault extends Error {
  constructor(
    readonly code: 'Sender' | 'Receiver',
    readonly subcodes: readonly string[],
    readonly reason: string,
    readonly httpStatus = code === 'Sender' ? 400 : 500,
  ) {
    super(reason);
    this.name = 'SoapFault';
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseSoapRequest(xml: string): SoapRequest {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (e) {
    throw new SoapFault('Sender', ['ter:WellFormed'], `malformed XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const env = isNode(doc) ? doc.Envelope : undefined;
  if (!isNode(env)) throw new SoapFault('Sender', ['ter:WellFormed'], 'not a SOAP envelope');
  const body = env.Body;
  if (!isNode(body)) throw new SoapFault('Sender', ['ter:WellFormed'], 'SOAP envelope without a Body');
  const ops = Object.keys(body).filter((k) => !k.startsWith('@_') && k !== '#text');
  const operation = ops[0];
  if (operation === undefined || ops.length !== 1)
    throw new SoapFault('Sender', ['ter:WellFormed'], 'the Body must hold exactly one operation');
  const opBody = body[operation];
  return { operation, body: isNode(opBody) ? opBody : {}, header: isNode(env.Header) ? env.Header : {} };
}

/** Text of a child element (or of the node itself when it is text), else undefined. */
export function text(v: XmlValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isNode(v) && v['#text'] !== undefined) return text(v['#text']);
  return undefined;
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const v = node?.[name];
  if (Array.isArray(v)) return isNode(v[0]) ? v[0] : undefined;
  return isNode(v) ? v : undefined;
}

export function requiredText(node: XmlNode, name: string): string {
  const t = text(node[name]);
  if (t === undefined || t.length === 0) throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoToken'], `missing ${name}`);
  return t;
}

/** A numeric attribute (e.g. PanTilt/@x), validated. */
export function numberAttr(node: XmlNode | undefined, attr: string, subcode: string): number | undefined {
  const raw = node?.[`@_${attr}`];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw new SoapFault('Sender', ['ter:InvalidArgVal', subcode], `${attr}=${JSON.stringify(raw)} is not a number`);
  }
  return n;
}

const DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** xs:duration (days and time parts only, as cameras use them) → ms. */
export function parseDuration(s: string): number | undefined {
  const m = DURATION.exec(s.trim());
  if (!m || s.trim() === 'P' || s.trim().endsWith('T')) return undefined;
  const [d, h, min, sec] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (sec ?? 0) * 1000);
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const ENVELOPE_NS = Object.entries({ s: NS.soap, tds: NS.tds, trt: NS.trt, tptz: NS.tptz, tt: NS.tt, ter: NS.ter })
  .map(([p, u]) => `xmlns:${p}="${u}"`)
  .join(' ');

export function envelope(bodyXml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope ${ENVELOPE_NS}><s:Body>${bodyXml}</s:Body></s:Envelope>`;
}

export function faultEnvelope(f: SoapFault): string {
  const subs = [...f.subcodes].reverse().reduce((inner, code) => `<s:Subcode><s:Value>${code}</s:Value>${inner}</s:Subcode>`, '');
  return envelope(
    `<s:Fault><s:Code><s:Value>s:${f.code}</s:Value>${subs}</s:Code><s:Reason><s:Text xml:lang="en">${escapeXml(f.reason)}</s:Text></s:Reason></s:Fault>`,
  );
}
