// A bench that measures live WebRTC runs inside a network namespace made for the run, with only lo
// up (WebRTC gathers every interface it sees; the machine's others must stay out). The bench file
// re-runs itself inside, and prints its result as one JSON line after a mark.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * The flags of the live-media benches' Chromium (the tests' own are in tests/support/chromium.ts): headless,
 * no sandbox nor GPU, nothing fetched in the background, fake camera and microphone allowed without a prompt,
 * loopback candidates (the namespace has only lo), media that play without a gesture.
 */
export const CHROMIUM_MEDIA_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];
/** Set in the re-run process: the namespace's name. */
export const INSIDE = 'TELECART_BENCH_NETNS';

/** The line the re-run prints its result on. */
export const resultMark = (name) => `@@${name}-result `;

/**
 * Runs `script` again inside a fresh namespace with `env` added, and returns the JSON it printed
 * after its mark; { skipped } when this machine cannot (not root, no Chromium, no ip netns) or the
 * run failed. The namespace is removed afterwards.
 */
export async function runInNamespace({ name, prefix, script, env = {} }) {
  if (process.getuid?.() !== 0) return { skipped: `${name}: skipped (needs root for a network namespace with only lo)` };
  if (!existsSync(CHROMIUM)) return { skipped: `${name}: skipped (no Chromium at ${CHROMIUM})` };
  const ns = `${prefix}${process.pid % 10_000}`;
  spawnSync('ip', ['netns', 'del', ns]);
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    return { skipped: `${name}: skipped (ip netns failed: ${e.message.split('\n')[0]})` };
  }
  try {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script], {
      env: { ...process.env, [INSIDE]: ns, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    const code = await new Promise((r) => child.once('close', r));
    const mark = resultMark(name);
    const line = out.split('\n').find((l) => l.startsWith(mark));
    if (code !== 0 || !line) return { skipped: `${name}: failed (exit ${code}): ${out.slice(-500)}` };
    return JSON.parse(line.slice(mark.length));
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** The p-th percentile of xs, one decimal; null for none. */
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1)) : null;
};
/** p50, p95 and count of xs: one table row. */
export const row = (xs) => ({ p50: pct(xs, 50), p95: pct(xs, 95), n: xs.length });
