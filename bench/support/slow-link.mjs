// A real slow link for the lane tests and the alarm-latency bench: a veth pair into a network
// namespace made for the run, shaped with `tc … tbf` (this kernel has no netem), and two socat
// relays so a client in this process reaches a broker on loopback only through the shaped veth:
//
//   client ─▶ 198.18.N.2:port (veth, tbf-shaped egress) ─▶ socat in the namespace
//          ─▶ 198.18.N.1:port (back over the veth) ─▶ socat ─▶ broker on 127.0.0.1
//
// Both directions leave through the shaped veth end once. 198.18.0.0/15 is the benchmarking range
// (RFC 2544): the addresses exist only on this pair. Needs root (ip netns, tc); without it, the
// caller's `fallback` (e.g. the userspace throttling relay of tests/support/tcp-proxy.ts) is used.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function waitForPort(host, port, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, host, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${host}:${port}`);
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `rateKbit` kbit/s towards a broker on 127.0.0.1:`brokerPort`.
 * @param {number} brokerPort
 * @param {number} [rateKbit]
 * @param {{ userspace?: boolean, fallback?: (brokerPort: number, bytesPerS: number) => Promise<{ url: string, close(): Promise<void> }> }} [opts]
 * @returns {Promise<{ url: string, kind: 'netns+tbf' | 'userspace-proxy', close(): Promise<void> }>}
 */
export async function startSlowLink(brokerPort, rateKbit = 1000, opts = {}) {
  const id = process.pid % 100000;
  const n = (process.pid % 250) + 1;
  const ns = `tcl-link-${process.pid}`;
  const vr = `tclr${id}`;
  const vn = `tcln${id}`;
  const rootAddr = `198.18.${n}.1`;
  const nsAddr = `198.18.${n}.2`;
  const port = 18830;
  const useFallback = async (why) => {
    if (!opts.fallback) throw new Error(`no slow link: ${why}`);
    const p = await opts.fallback(brokerPort, (rateKbit * 1000) / 8);
    return { url: p.url, kind: 'userspace-proxy', close: () => p.close() };
  };
  if (opts.userspace) return useFallback('userspace asked for');
  try {
    run('ip', ['netns', 'add', ns]);
  } catch (e) {
    return useFallback(`ip netns add failed (${e.message.split('\n')[0]})`);
  }
  const children = [];
  const teardown = async () => {
    for (const c of children) await stopChild(c);
    try {
      run('ip', ['netns', 'del', ns]); // takes the veth pair with it
    } catch {
      /* already gone */
    }
  };
  try {
    run('ip', ['link', 'add', vr, 'type', 'veth', 'peer', 'name', vn, 'netns', ns]);
    run('ip', ['addr', 'add', `${rootAddr}/30`, 'dev', vr]);
    run('ip', ['link', 'set', vr, 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${nsAddr}/30`, 'dev', vn]);
    run('ip', ['-n', ns, 'link', 'set', vn, 'up']);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // burst 32 kbit and a 400 ms queue: measured 0.96 Mbit/s between namespaces at 1mbit.
    run('tc', ['qdisc', 'replace', 'dev', vr, 'root', 'tbf', 'rate', `${rateKbit}kbit`, 'burst', '32kbit', 'latency', '400ms']);
    children.push(
      spawn('socat', [`TCP-LISTEN:${port},bind=${rootAddr},reuseaddr,fork`, `TCP:127.0.0.1:${brokerPort}`], { stdio: 'ignore' }),
    );
    await waitForPort(rootAddr, port);
    children.push(
      spawn('ip', ['netns', 'exec', ns, 'socat', `TCP-LISTEN:${port},bind=${nsAddr},reuseaddr,fork`, `TCP:${rootAddr}:${port}`], {
        stdio: 'ignore',
      }),
    );
    await waitForPort(nsAddr, port);
    return { url: `mqtt://${nsAddr}:${port}`, kind: 'netns+tbf', close: teardown };
  } catch (e) {
    await teardown();
    throw e;
  }
}
