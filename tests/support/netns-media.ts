/**
 * Network namespaces for WebRTC tests: WebRTC gathers every interface it can see, so the test runs
 * where the only interface is `lo` (a namespace it creates), and a throttled link is a veth pair
 * into a second namespace shaped with tc tbf (this kernel has no netem). The host's interfaces are
 * never touched. Needs root and iproute2.
 *
 *   outer process: createNamespaces() → runIn(ns, argv) re-runs the test inside, → destroy()
 *   inside:        linkToPeer() adds the veth pair; setRate() shapes both directions;
 *                  shapeLoopbackPort() shapes one UDP port's traffic on lo (one participant's path),
 *                  blockLoopbackPort() drops it (a dead path)
 *   the page:      openSpecialistPage() + DirectSignaling (the agent's signaling straight to the page)
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SignalingLink } from '@telecart/gateway';
import { decodeEcgChunk, type EcgChunk, type RtcDown, type RtcUp } from '@telecart/protocol';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { hasChromium } from './chromium.js';

const run = promisify(execFile);

export const IN_NETNS_ENV = 'TELECART_TEST_NETNS';
export const PEER_NETNS_ENV = 'TELECART_TEST_PEER_NETNS';

export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await run('ip', ['netns', 'list']);
    await run('tc', ['-V']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a Chromium file that re-runs itself in a network namespace cannot run on this machine (null:
 * it can), warned once from the outer run. `what` names the file in the warning.
 */
export async function namespacedChromiumSkip(what: string): Promise<string | null> {
  const inside = process.env[IN_NETNS_ENV] !== undefined;
  const reason = !hasChromium
    ? 'no /usr/bin/chromium'
    : !(inside || (await canUseNetns()))
      ? 'needs root and iproute2 to run WebRTC in a network namespace with only lo'
      : null;
  if (reason && !inside) console.warn(`${what} skipped: ${reason}`);
  return reason;
}

export interface Namespaces {
  /** Where the test runs: only `lo` up. */
  main: string;
  /** The other end of a throttled link (only `lo` up until linkToPeer). */
  peer: string;
  destroy(): Promise<void>;
}

export async function createNamespaces(prefix: string): Promise<Namespaces> {
  const main = `${prefix}-m`;
  const peer = `${prefix}-p`;
  const destroy = async () => {
    for (const ns of [main, peer]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  };
  await destroy();
  for (const ns of [main, peer]) {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  return { main, peer, destroy };
}

/** Runs argv inside `ns` with `env` added; resolves with the exit code and the output. */
export function runIn(ns: string, argv: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('close', (code) => resolve({ code, output }));
  });
}

export interface ShapedLink {
  localAddr: string;
  peerAddr: string;
  /** tbf on both ends: `rate` e.g. '100kbit', '1mbit'. */
  setRate(rate: string): Promise<void>;
  /** tbf on this end only (what leaves this namespace: a site's uplink), the other end unshaped. */
  setUplinkRate(rate: string): Promise<void>;
  /** tbf on the other end only (what comes into this namespace: a site's downlink), this end unshaped. */
  setDownlinkRate(rate: string): Promise<void>;
  /** What this end's qdisc sent and dropped so far (`tc -s`), to count what crossed the shaped link. */
  sent(): Promise<{ bytes: number; packets: number; dropped: number }>;
  remove(): Promise<void>;
}

const TBF_ARGS = ['qdisc', 'replace', 'dev'];
/** burst ≈ 1/8 s at the rate, latency 400 ms: a queue like a weak DSL/4G uplink, then drops. */
const tbf = (rate: string) => ['root', 'tbf', 'rate', rate, 'burst', '16kbit', 'latency', '400ms'];

/** From inside the main namespace: a veth pair to `peerNs` with a /30 of 10.232.0.0/16. */
export async function linkToPeer(peerNs: string, index = process.pid % 16_384): Promise<ShapedLink> {
  const local = `tcv${index}a`.slice(0, 15);
  const remote = `tcv${index}b`.slice(0, 15);
  const base = index * 4;
  const net = `10.232.${Math.floor(base / 256) % 256}`;
  const localAddr = `${net}.${(base % 256) + 1}`;
  const peerAddr = `${net}.${(base % 256) + 2}`;
  await run('ip', ['link', 'add', local, 'type', 'veth', 'peer', 'name', remote, 'netns', peerNs]);
  await run('ip', ['addr', 'add', `${localAddr}/30`, 'dev', local]);
  await run('ip', ['-n', peerNs, 'addr', 'add', `${peerAddr}/30`, 'dev', remote]);
  await run('ip', ['link', 'set', local, 'up']);
  await run('ip', ['-n', peerNs, 'link', 'set', remote, 'up']);
  return {
    localAddr,
    peerAddr,
    async setRate(rate) {
      await run('tc', [...TBF_ARGS, local, ...tbf(rate)]);
      await run('ip', ['netns', 'exec', peerNs, 'tc', ...TBF_ARGS, remote, ...tbf(rate)]);
    },
    async setUplinkRate(rate) {
      await run('tc', [...TBF_ARGS, local, ...tbf(rate)]);
      await run('ip', ['netns', 'exec', peerNs, 'tc', 'qdisc', 'del', 'dev', remote, 'root']).catch(() => undefined /* none */);
    },
    async setDownlinkRate(rate) {
      await run('ip', ['netns', 'exec', peerNs, 'tc', ...TBF_ARGS, remote, ...tbf(rate)]);
      await run('tc', ['qdisc', 'del', 'dev', local, 'root']).catch(() => undefined /* none */);
    },
    async sent() {
      const { stdout } = await run('tc', ['-s', 'qdisc', 'show', 'dev', local]);
      const m = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+)/.exec(stdout);
      return { bytes: Number(m?.[1] ?? 0), packets: Number(m?.[2] ?? 0), dropped: Number(m?.[3] ?? 0) };
    },
    async remove() {
      await run('ip', ['link', 'del', local]).catch(() => undefined);
    },
  };
}

/**
 * From inside the test's namespace: the UDP traffic from and to `port` on `lo` shaped to `rate`, each
 * direction by its own tbf as `setRate` shapes a link (400 ms of queue, then drops); the rest of `lo`
 * goes on unshaped (htb's default class). One participant's path to a server on loopback, without
 * moving its browser to another namespace.
 */
export async function shapeLoopbackPort(port: number, rate: string): Promise<{ remove(): Promise<void> }> {
  await loopbackHtb();
  for (const [k, dir] of [
    ['30', 'sport'],
    ['40', 'dport'],
  ] as const) {
    await loopbackTbfClass(k, rate);
    await udpPortInto(dir, port, k);
  }
  return { remove: removeLoopbackShaping };
}

/**
 * From inside the test's namespace: one site's downlink on `lo`, shaped to `rate` by a single tbf (400 ms of
 * queue, then drops) shared by every UDP packet sent to one of `toPorts` (the site's own sockets: its browser's
 * side of a peer-to-peer pair, its gateway's) or from one of `fromPorts` (a server's socket that serves that site
 * only, e.g. its participant's port on the forwarding unit); the rest of `lo` (the site's uplink included) goes on
 * unshaped. `sent()` counts what the tbf passed and dropped; `offered()` what each port's rule offered it (an
 * nftables counter per rule on the output hook, before the queue: this kernel's u32 keeps no per-rule counters).
 */
export async function shapeLoopbackDownlink(
  rate: string,
  ports: { toPorts: number[]; fromPorts: number[] },
): Promise<{
  sent(): Promise<{ bytes: number; packets: number; dropped: number }>;
  offered(): Promise<{ rule: string; bytes: number; packets: number }[]>;
  remove(): Promise<void>;
}> {
  await loopbackHtb();
  await loopbackTbfClass('50', rate);
  const rules = [...ports.toPorts.map((p) => ['dport', p] as const), ...ports.fromPorts.map((p) => ['sport', p] as const)];
  for (const [dir, port] of rules) await udpPortInto(dir, port, '50');
  const table = `telecart_offered_${process.pid}`;
  await nftScript(
    `table inet ${table} {\n chain out { type filter hook output priority 0; ${rules.map(([dir, port]) => `udp ${dir} ${port} counter;`).join(' ')} }\n}\n`,
  );
  return {
    async sent() {
      const { stdout } = await run('tc', ['-s', 'qdisc', 'show', 'dev', 'lo']);
      const m = /qdisc tbf 50:[\s\S]*?Sent (\d+) bytes (\d+) pkt \(dropped (\d+)/.exec(stdout);
      return { bytes: Number(m?.[1] ?? 0), packets: Number(m?.[2] ?? 0), dropped: Number(m?.[3] ?? 0) };
    },
    async offered() {
      const { stdout } = await run('nft', ['list', 'table', 'inet', table]);
      return [...stdout.matchAll(/udp (sport|dport) (\d+) counter packets (\d+) bytes (\d+)/g)].map((m) => ({
        rule: `${m[1]} ${m[2]}`,
        packets: Number(m[3]),
        bytes: Number(m[4]),
      }));
    },
    async remove() {
      await nftScript(`delete table inet ${table}\n`).catch(() => undefined);
      await removeLoopbackShaping();
    },
  };
}

function nftScript(script: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(script);
  });
}

const loTc = (...args: string[]) => run('tc', args);

/** htb at `lo`'s root; what no filter matches goes to class 1:10, unshaped. */
async function loopbackHtb(): Promise<void> {
  await loTc('qdisc', 'replace', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '100000');
  await loTc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
}

/** Class 1:<k> under the htb, its packets through a tbf of `rate` (400 ms of queue, then drops) as a link. */
async function loopbackTbfClass(k: string, rate: string): Promise<void> {
  await loTc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', `1:${k}`, 'htb', 'rate', '10gbit');
  await loTc(
    'qdisc',
    'add',
    'dev',
    'lo',
    'parent',
    `1:${k}`,
    'handle',
    `${k}:`,
    'tbf',
    'rate',
    rate,
    'burst',
    '16kbit',
    'latency',
    '400ms',
  );
}

/** UDP packets whose source (`sport`) or destination (`dport`) port is `port`, into class 1:<k>. */
async function udpPortInto(dir: 'sport' | 'dport', port: number, k: string): Promise<void> {
  const match = ['match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', dir, String(port), '0xffff'];
  await loTc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', ...match, 'flowid', `1:${k}`);
}

async function removeLoopbackShaping(): Promise<void> {
  await loTc('qdisc', 'del', 'dev', 'lo', 'root').catch(() => undefined);
}

/**
 * Drops every UDP packet to or from `port` on this namespace's `lo` (nftables, input hook: silently, as a
 * dead path, not an error on send), e.g. one participant's path to the forwarding unit; `remove()` lets
 * them through again. Needs root inside a namespace of the test's own (nftables is used by netns.ts too).
 */
export async function blockLoopbackPort(port: number): Promise<{ remove(): Promise<void> }> {
  const table = `telecart_block_${port}`;
  const nft = (script: string) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile('nft', ['-f', '-'], (err) => (err ? reject(err) : resolve()));
      child.stdin?.end(script);
    });
  await nft(`table inet ${table} {\n chain in { type filter hook input priority 0; udp sport ${port} drop; udp dport ${port} drop; }\n}\n`);
  return {
    async remove() {
      await nft(`delete table inet ${table}\n`).catch(() => undefined);
    },
  };
}

/** A Chromium launcher that starts the browser in `ns` (Playwright talks to it over pipes, not the network). */
export function chromiumInNetns(dir: string, ns: string, chromium = '/usr/bin/chromium'): string {
  const path = join(dir, `chromium-${ns}.sh`);
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ${chromium} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

// ── The specialist's side for WebRTC tests: a page in Chromium and direct signaling ──

/**
 * The command line of a test file's run inside a namespace. The inner vitest is a new process: without the
 * module cache on disk it transforms again every source the outer runs already did (cloud, gateway,
 * werift…); the cache is keyed by content.
 */
export function innerVitest(file: string): string[] {
  return [process.execPath, 'node_modules/vitest/vitest.mjs', 'run', file, '--experimental.fsModuleCache'];
}

/** A test file that must run inside a namespace re-runs itself there; resolves with the inner run's output. */
export async function rerunInNamespace(file: string, prefix: string): Promise<{ code: number | null; output: string }> {
  const ns = await createNamespaces(`${prefix}${process.pid % 100_000}`);
  try {
    return await runIn(ns.main, innerVitest(file), {
      [IN_NETNS_ENV]: ns.main,
      [PEER_NETNS_ENV]: ns.peer,
    });
  } finally {
    await ns.destroy();
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its output
const ANSI = /\u001b\[[0-9;]*m/g;

/** Vitest's output without its colours. */
export function plainText(output: string): string {
  return output.replace(ANSI, '');
}

/**
 * The outer run's verdict on the inner one: it passed, with `passed` tests when given (so a skipped
 * chain cannot pass for a run one); its output on stderr when it failed, and its lines starting with
 * `figures` on stdout when it passed (a file's measurements, for the report).
 */
export function expectInnerRun(r: { code: number | null; output: string }, o: { passed?: number; figures?: string } = {}): void {
  const text = plainText(r.output);
  if (r.code !== 0) console.error(r.output);
  else if (o.figures !== undefined) {
    const figures = o.figures;
    console.log(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith(figures))
        .join('\n'),
    );
  }
  expect(r.code, innerFailure(r.output)).toBe(0);
  if (o.passed !== undefined) expect(text).toMatch(new RegExp(`Tests\\s+${o.passed} passed`));
}

/**
 * What the inner run said about its failure, for the outer assertion's message: CI shows the summary of
 * failed tests, not a test's console, so without it a failure inside the namespace reads only "1 ≠ 0".
 */
export function innerFailure(output: string): string {
  const plain = plainText(output);
  const from = plain.indexOf('Failed Tests');
  return `inner run failed:\n${from >= 0 ? plain.slice(from, from + 4000) : plain.slice(-4000)}`;
}

/**
 * In the page: the peer connection, its candidates, ECG chunks (their bytes: `ecgChunks()` decodes them with
 * the protocol's codec) and PTZ replies as they arrive.
 */
export const SPECIALIST_PAGE_SETUP = `
  window.pc = new RTCPeerConnection();
  window.cands = []; window.ecg = []; window.replies = [];
  pc.onicecandidate = (e) => { if (e.candidate) cands.push(e.candidate.toJSON()); };
  pc.ontrack = (e) => {
    const el = document.createElement(e.track.kind === 'video' ? 'video' : 'audio');
    el.autoplay = true; el.muted = true; el.srcObject = new MediaStream([e.track]); document.body.appendChild(el);
  };
  pc.ondatachannel = (e) => {
    const dc = e.channel;
    if (dc.label === 'ecg') { dc.binaryType = 'arraybuffer'; dc.onmessage = (m) => ecg.push(Array.from(new Uint8Array(m.data))); }
    if (dc.label === 'ptz') { window.ptz = dc; dc.onmessage = (m) => replies.push(JSON.parse(m.data)); }
  };
`;

/** The ECG chunks the page received so far, decoded (a malformed one fails the test). */
export async function ecgChunks(page: Page): Promise<EcgChunk[]> {
  const raw = await page.evaluate(() => (window as unknown as { ecg: number[][] }).ecg);
  return raw.map((bytes) => {
    const d = decodeEcgChunk(Uint8Array.from(bytes));
    if (!d.ok) throw new Error(d.error);
    return d.chunk;
  });
}

/**
 * The specialist's page. Chromium only gathers non-default-route interfaces (here: lo) for a page
 * allowed the microphone, which needs a secure context: the page is http://localhost/, served by
 * Playwright (no socket).
 */
export async function openSpecialistPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.route('http://localhost/**', (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>specialist</title>' }));
  await page.goto('http://localhost/');
  await page.evaluate(async () => {
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of s.getTracks()) t.stop();
  });
  await page.evaluate(SPECIALIST_PAGE_SETUP);
  return page;
}

/** Direct signaling: the agent's RtcUp go to the page; the page's answer and candidates come back as RtcDown. */
export class DirectSignaling implements SignalingLink {
  private handler: ((p: Buffer) => void) | null = null;
  readonly ups: RtcUp[] = [];
  page: Page | null = null;
  private sentCands = 0;

  async publish(up: RtcUp): Promise<void> {
    this.ups.push(up);
    const page = this.page;
    if (!page) return;
    if (up.type === 'offer') {
      const answer = await page.evaluate(async (sdp) => {
        const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
        await pc.setRemoteDescription({ type: 'offer', sdp });
        const a = await pc.createAnswer();
        await pc.setLocalDescription(a);
        return a.sdp ?? '';
      }, up.sdp);
      this.down({ v: 1, type: 'answer', sessionId: up.sessionId, sdp: answer });
      void this.pumpCandidates(up.sessionId);
    } else if (up.type === 'ice') {
      await page.evaluate(async (c) => {
        await (window as unknown as { pc: RTCPeerConnection }).pc.addIceCandidate(c);
      }, up.candidate);
    }
  }

  private async pumpCandidates(sessionId: string): Promise<void> {
    for (let i = 0; i < 40 && this.page; i++) {
      const cands = await this.page.evaluate(() => (window as unknown as { cands: RTCIceCandidateInit[] }).cands).catch(() => null);
      if (cands === null) return;
      for (const c of cands.slice(this.sentCands)) {
        this.down({
          v: 1,
          type: 'ice',
          sessionId,
          candidate: { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null },
        });
      }
      this.sentCands = cands.length;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  onDown(handler: (payload: Buffer) => void): () => void {
    this.handler = handler;
    return () => {
      this.handler = null;
    };
  }

  down(m: RtcDown): void {
    this.handler?.(Buffer.from(JSON.stringify(m)));
  }

  reset(page: Page): void {
    this.page = page;
    this.sentCands = 0;
  }

  /** The specialist starts the session. */
  start(sessionId: string, media = { video: true, audio: true, ecg: true }): void {
    this.down({ v: 1, type: 'start', sessionId, specialist: { id: 'dr-card', name: 'Dr Cardio' }, patientId: 'p-001', media });
  }
}
