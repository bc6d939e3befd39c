#!/usr/bin/env node
/**
 * GStreamer from Node: gst-launch-1.0 child processes vs the gstreamer-superficial binding, measured
 * side by side in one run (figures in docs/gstreamer.md). The binding is not a dependency of the
 * project: install it in a scratch directory and pass its path, e.g.
 *   npm install --prefix /some/scratch gstreamer-superficial@1.7.4
 *   node gateway/src/audio/bench/gst-from-node.mjs /some/scratch/node_modules/gstreamer-superficial
 * Without it, only the child-process figures are printed.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const SECONDS = Number(process.env.GST_BENCH_SECONDS ?? 15);
const RATE = 16_000;
const BYTES_PER_S = RATE * 2;
const AUDIO = `audiotestsrc is-live=true samplesperbuffer=160 wave=sine freq=440 ! audio/x-raw,format=S16LE,rate=${RATE},channels=1`;
const VIDEO =
  'videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 error-resilient=partitions ! rtpvp8pay mtu=1200';
const TICK = 100; // CLK_TCK on Linux

const binding = process.argv[2] ? createRequire(import.meta.url)(process.argv[2]) : undefined;

function childCpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK; // utime + stime
}
const cpuMs = (u) => (u.user + u.system) / 1000;
const pct = (v, q) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;

/** Lag of each delivery behind the stream's own clock, relative to the best-case delivery. */
function lagStats(arrivals) {
  const lags = arrivals.map(([t, bytes]) => t - (arrivals[0][0] + (bytes / BYTES_PER_S) * 1000));
  const min = Math.min(...lags);
  const rel = lags.map((l) => l - min);
  return { p50: pct(rel, 0.5).toFixed(1), p99: pct(rel, 0.99).toFixed(1), max: Math.max(...rel).toFixed(1) };
}

async function audioChild() {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const child = spawn('gst-launch-1.0', ['-q', '--no-fault', ...AUDIO.split(' '), '!', 'fdsink', 'fd=1', 'sync=false'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let bytes = 0;
  let first;
  const arrivals = [];
  child.stdout.on('data', (b) => {
    const now = performance.now();
    first ??= now - t0;
    bytes += b.length;
    arrivals.push([now, bytes]);
  });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const childCpu = childCpuMs(child.pid);
  const nodeCpu = cpuMs(process.cpuUsage(cpu0));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return {
    mode: 'child',
    firstBufferMs: first.toFixed(0),
    bytes,
    nodeCpuPct: ((nodeCpu / (SECONDS * 1000)) * 100).toFixed(2),
    gstCpuPct: ((childCpu / (SECONDS * 1000)) * 100).toFixed(2),
    deliveries: arrivals.length,
    lagMs: lagStats(arrivals),
  };
}

async function audioBinding() {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const p = new binding.Pipeline(`${AUDIO} ! appsink name=sink sync=false`);
  const sink = p.findChild('sink');
  p.play();
  let bytes = 0;
  let first;
  let running = true;
  const arrivals = [];
  const onPull = (buf) => {
    if (!buf || !running) return;
    const now = performance.now();
    first ??= now - t0;
    bytes += buf.length;
    arrivals.push([now, bytes]);
    sink.pull(onPull);
  };
  sink.pull(onPull);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const nodeCpu = cpuMs(process.cpuUsage(cpu0));
  running = false;
  p.stop();
  return {
    mode: 'binding',
    firstBufferMs: first.toFixed(0),
    bytes,
    nodeCpuPct: ((nodeCpu / (SECONDS * 1000)) * 100).toFixed(2),
    gstCpuPct: '(in node)',
    deliveries: arrivals.length,
    lagMs: lagStats(arrivals),
  };
}

async function videoChild() {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  let packets = 0;
  let bytes = 0;
  sock.on('message', (m) => {
    packets++;
    bytes += m.length;
  });
  const cpu0 = process.cpuUsage();
  const args = ['-q', '--no-fault', ...VIDEO.split(' '), '!', 'udpsink', 'host=127.0.0.1', `port=${sock.address().port}`];
  const child = spawn('gst-launch-1.0', args, { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const childCpu = childCpuMs(child.pid);
  const nodeCpu = cpuMs(process.cpuUsage(cpu0));
  child.kill('SIGTERM');
  sock.close();
  return {
    mode: 'child → udp',
    packetsPerS: (packets / SECONDS).toFixed(0),
    kbitPerS: ((bytes * 8) / SECONDS / 1000).toFixed(0),
    nodeCpuPct: ((nodeCpu / (SECONDS * 1000)) * 100).toFixed(2),
    gstCpuPct: ((childCpu / (SECONDS * 1000)) * 100).toFixed(2),
  };
}

async function videoBinding() {
  const cpu0 = process.cpuUsage();
  const p = new binding.Pipeline(`${VIDEO} ! appsink name=sink sync=false`);
  const sink = p.findChild('sink');
  p.play();
  let packets = 0;
  let bytes = 0;
  let running = true;
  const onPull = (buf) => {
    if (!buf || !running) return;
    packets++;
    bytes += buf.length;
    sink.pull(onPull);
  };
  sink.pull(onPull);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const nodeCpu = cpuMs(process.cpuUsage(cpu0));
  running = false;
  p.stop();
  return {
    mode: 'binding appsink',
    packetsPerS: (packets / SECONDS).toFixed(0),
    kbitPerS: ((bytes * 8) / SECONDS / 1000).toFixed(0),
    nodeCpuPct: ((nodeCpu / (SECONDS * 1000)) * 100).toFixed(2),
    gstCpuPct: '(in node)',
  };
}

/** A source that cannot open: how long until the error reaches Node, and what it says. */
async function errorChild() {
  const t0 = performance.now();
  const child = spawn('gst-launch-1.0', ['--no-fault', 'pulsesrc', 'server=unix:/nonexistent/native', '!', 'fakesink'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout.on('data', (b) => (err += b));
  child.stderr.on('data', (b) => (err += b));
  const code = await new Promise((r) => child.once('exit', (c) => r(c)));
  return {
    mode: 'child',
    detectMs: (performance.now() - t0).toFixed(0),
    exitCode: code,
    message: err.match(/ERROR: from element [^\n]*/)?.[0] ?? err.trim().split('\n').pop(),
  };
}

async function errorBinding() {
  const t0 = performance.now();
  const p = new binding.Pipeline('pulsesrc server=unix:/nonexistent/native ! fakesink');
  const seen = [];
  const msg = await new Promise((r) => {
    p.pollBus((m) => {
      seen.push(m.type);
      if (m.type === 'error') r(m);
    });
    p.play();
    setTimeout(() => r(undefined), 5000);
  });
  p.stop();
  if (!msg) return { mode: 'binding', detectMs: 'none within 5000 ms', busMessagesSeen: seen };
  return { mode: 'binding', detectMs: (performance.now() - t0).toFixed(0), message: `${msg.name}: ${msg.message}` };
}

/** The child dies (a plugin fault is a SIGSEGV): the parent sees it and restarts the pipeline. */
async function crashChild() {
  const start = () =>
    spawn('gst-launch-1.0', ['-q', '--no-fault', ...AUDIO.split(' '), '!', 'fdsink', 'fd=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const child = start();
  await new Promise((r) => child.stdout.once('data', r));
  const t0 = performance.now();
  child.kill('SIGSEGV');
  const signal = await new Promise((r) => child.once('exit', (_c, s) => r(s)));
  const seen = performance.now() - t0;
  const again = start();
  await new Promise((r) => again.stdout.once('data', r));
  const restarted = performance.now() - t0;
  again.kill('SIGTERM');
  return { parentAlive: true, childSignal: signal, exitSeenMs: seen.toFixed(1), restartedToFirstBufferMs: restarted.toFixed(0) };
}

/** pollBus and pull each hold a libuv pool thread: how long a file read waits with N pipelines. */
async function poolStarvation() {
  const out = [];
  for (const n of [0, 2, 4]) {
    const ps = [];
    for (let i = 0; i < n; i++) {
      const p = new binding.Pipeline(`${AUDIO} ! appsink name=sink`);
      const sink = p.findChild('sink');
      p.pollBus(() => {});
      let on = true;
      const pull = (b) => on && b && sink.pull(pull);
      sink.pull(pull);
      p.play();
      ps.push({
        p,
        stop: () => {
          on = false;
          p.stop();
        },
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const reads = Promise.all(Array.from({ length: 8 }, () => readFile('/proc/self/stat'))).then(() => 'done');
    const r = await Promise.race([reads, new Promise((res) => setTimeout(() => res('still waiting after 3 s'), 3000))]);
    out.push({ pipelines: n, eightFileReads: r, ms: (performance.now() - t0).toFixed(1) });
    for (const x of ps) x.stop();
  }
  return out;
}

async function step(name, fn) {
  process.stderr.write(`${name}…\n`);
  const r = await fn();
  process.stderr.write(`${name}: ${JSON.stringify(r)}\n`);
  return r;
}

const results = {
  seconds: SECONDS,
  audio: [await step('audio child', audioChild)],
  video: [await step('video child', videoChild)],
  error: [await step('error child', errorChild)],
  crash: await step('crash child', crashChild),
};
if (binding) {
  results.audio.push(await step('audio binding', audioBinding));
  results.video.push(await step('video binding', videoBinding));
  results.error.push(await step('error binding', errorBinding));
  results.pool = await step('pool', poolStarvation);
}
console.log(JSON.stringify(results, null, 2));
// A binding's pollBus keeps a pool thread blocked in gst_bus_timed_pop: exit hard, or the process hangs.
process.reallyExit(0);
