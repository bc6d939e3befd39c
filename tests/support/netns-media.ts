/**
 * Network namespaces for WebRTC tests: WebRTC gathers every interface it can see, so the test runs
 * where the only interface is `lo` (a namespace it creates), and a throttled link is a veth pair
 * into a second namespace shaped with tc tbf (this kernel has no netem). The host's interfaces are
 * never touched. Needs root and iproute2.
 *
 *   outer process: createNamespaces() → runIn(ns, argv) re-runs the test inside, → destroy()
 *   inside:        linkToPeer() adds the veth pair; setRate() shapes both directions
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
  remove(): Promise<void>;
}

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
      // burst ≈ 1/8 s at the rate, latency 400 ms: a queue like a weak DSL/4G uplink, then drops.
      const args = ['qdisc', 'replace', 'dev'];
      const shape = ['root', 'tbf', 'rate', rate, 'burst', '16kbit', 'latency', '400ms'];
      await run('tc', [...args, local, ...shape]);
      await run('ip', ['netns', 'exec', peerNs, 'tc', ...args, remote, ...shape]);
    },
    async remove() {
      await run('ip', ['link', 'del', local]).catch(() => undefined);
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
