/**
 * Two network namespaces joined by a veth pair, for link faults a userspace proxy cannot make:
 * random packet loss with nftables (`numgen random mod 100 < N drop`; this kernel has no netem),
 * applied to both directions on the first namespace's side. Addresses live only inside the two
 * namespaces (a /30 of 10.231.0.0/16); the host's own interfaces are never touched. Needs root.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsPair {
  /** Namespace of the side that suffers the loss (e.g. the gateway). */
  readonly a: string;
  /** Namespace of the other side (e.g. the cloud and its broker). */
  readonly b: string;
  readonly addrA: string;
  readonly addrB: string;
  /** Drops `percent` % of packets a→b and b→a at random (0 removes the rule). */
  setLoss(percent: number): Promise<void>;
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function nft(ns: string, script: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(script);
  });
}

/** `index` (0–16383) picks a distinct /30 so parallel runs do not collide. */
export async function createNetnsPair(prefix: string, index = process.pid % 16_384): Promise<NetnsPair> {
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  const vethA = `${prefix.slice(0, 11)}a`;
  const vethB = `${prefix.slice(0, 11)}b`;
  const base = index * 4;
  const addrA = `10.231.${Math.floor(base / 256) % 64}.${(base % 256) + 1}`;
  const addrB = `10.231.${Math.floor(base / 256) % 64}.${(base % 256) + 2}`;
  const destroy = async () => {
    for (const ns of [a, b]) await ip('netns', 'del', ns).catch(() => undefined);
  };
  await destroy();
  try {
    await ip('netns', 'add', a);
    await ip('netns', 'add', b);
    await ip('link', 'add', vethA, 'netns', a, 'type', 'veth', 'peer', 'name', vethB, 'netns', b);
    await ip('-n', a, 'addr', 'add', `${addrA}/30`, 'dev', vethA);
    await ip('-n', b, 'addr', 'add', `${addrB}/30`, 'dev', vethB);
    for (const [ns, dev] of [
      [a, vethA],
      [b, vethB],
    ] as const) {
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', dev, 'up');
    }
  } catch (e) {
    await destroy();
    throw new Error(`could not create network namespaces ${a}/${b} (root and iproute2 needed): ${(e as Error).message}`);
  }
  return {
    a,
    b,
    addrA,
    addrB,
    async setLoss(percent) {
      const p = Math.max(0, Math.min(100, Math.round(percent)));
      const rules =
        p === 0
          ? ''
          : `chain out { type filter hook output priority 0; ip daddr ${addrB} numgen random mod 100 < ${p} drop; }
             chain in { type filter hook input priority 0; ip saddr ${addrB} numgen random mod 100 < ${p} drop; }`;
      // Re-created atomically in one nft transaction: the table is flushed and refilled.
      await nft(a, `table inet chaos\ndelete table inet chaos\ntable inet chaos {\n${rules}\n}\n`);
    },
    destroy,
  };
}
