/**
 * Is this SDP answer an answer to our offer? (pure). werift takes any text as a remote description
 * (it parses "this is not sdp" into an empty session), so the gateway checks what it can before
 * handing an answer over: the RFC 8866 shape (v=0 first), one m-section per offered one, same kind
 * and mid in the same order (RFC 8829 §5.3.1), and ICE credentials and a DTLS fingerprint for each
 * accepted section (at media or session level). Returns the first problem, or null.
 */

interface Section {
  kind: string;
  port: number;
  mid: string | null;
  lines: string[];
}

function sections(sdp: string): { session: string[]; media: Section[] } {
  const session: string[] = [];
  const media: Section[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind = '', port = ''] = line.slice(2).split(' ');
      media.push({ kind, port: Number(port), mid: null, lines: [] });
      continue;
    }
    const m = media.at(-1);
    if (m) {
      m.lines.push(line);
      if (line.startsWith('a=mid:')) m.mid = line.slice(6).trim();
    } else session.push(line);
  }
  return { session, media };
}

export function checkAnswerSdp(offer: string, answer: string): string | null {
  if (!/^v=0\r?\n/.test(answer)) return 'not SDP (it must begin with v=0)';
  const o = sections(offer);
  const a = sections(answer);
  if (a.media.length !== o.media.length) return `${a.media.length} media sections answered to ${o.media.length} offered`;
  const has = (lines: string[], prefix: string) => lines.some((l) => l.startsWith(prefix));
  for (const [i, m] of a.media.entries()) {
    const offered = o.media[i];
    if (!offered) return `media section ${i} was not offered`;
    if (m.kind !== offered.kind) return `media section ${i} is ${m.kind || 'unnamed'}, ${offered.kind} was offered`;
    if (offered.mid !== null && m.mid !== offered.mid) return `media section ${i} has mid ${m.mid ?? 'none'}, ${offered.mid} was offered`;
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65_535) return `media section ${i} has no valid port`;
    if (m.port === 0) continue; // rejected by the browser: nothing to connect
    for (const p of ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:'])
      if (!has(m.lines, p) && !has(a.session, p)) return `media section ${i} (${m.kind}) has no ${p.slice(2, -1)}`;
  }
  return null;
}
