// The reconnect storm (issue 14, docs/region.md « The reconnect storm »): `telecart sim fleet --storm`
// through the built CLI — N gateways connected to a cloud it starts, the cloud stopped, each gateway
// recording K readings, the cloud started again — one row per size: when every gateway was back and
// every reading acked, counted from the restart's beginning, with what was lost or stored twice and
// the host's load (the figures mean little without it). Usage:
//   node bench/reconnect-storm.mjs [N,N…] [K]        (default 200 gateways × 100 readings)
// Larger sizes want `--identities DIR` (enrollment costs ~30 s per 1,000): TELECART_STORM_IDENTITIES=DIR.
// TELECART_STORM_FLAGS adds `sim fleet` options, e.g. '--cloud-no-uplink-credit' for the "before" of
// admission at the store's pace, '--no-tls-resumption' for the "before" of TLS session resumption (docs/region.md).
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../cli/dist/main.js', import.meta.url));

function fleet(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'sim', 'fleet', ...args, '--json'], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // Exit 1 is a run that did not drain: its report still says how far it got.
      if (err && err.code !== 1) return reject(new Error(`sim fleet failed (${err.code}): ${stderr.slice(-2000)}`));
      resolve(JSON.parse(stdout));
    });
  });
}

export async function benchReconnectStorm({
  sizes = [200],
  readings = 100,
  identities = process.env.TELECART_STORM_IDENTITIES,
  flags = (process.env.TELECART_STORM_FLAGS ?? '').split(' ').filter(Boolean),
} = {}) {
  const rows = [];
  for (const n of sizes) {
    const load = loadavg()[0];
    const r = await fleet([
      '--gateways',
      String(n),
      '--storm',
      '--storm-readings',
      String(readings),
      '--drain-timeout',
      '600',
      ...(identities ? ['--identities', identities] : []),
      ...flags,
    ]);
    rows.push({
      gateways: n,
      readings: r.sent,
      'cloud ready s': r.storm?.restartS ?? null,
      'all back s': r.storm?.reconnectedSinceRestartS ?? null,
      'all drained s': r.storm?.drainedSinceRestartS ?? null,
      'failed attempts': r.connectFailures,
      'lost / twice': `${r.lost} / ${r.duplicated}`,
      'ack p50 / p99 / max s': ['p50', 'p99', 'max'].map((k) => (r.latencyMs[k] === null ? '-' : r.latencyMs[k] / 1000)).join(' / '),
      resent: r.resent,
      'cloud CPU %': r.cloud.cpuPercent,
      'cloud ms / gateway back': r.storm?.reconnectCloudCpuMsPerGateway ?? null,
      'simulator ms / gateway back': r.storm?.reconnectSimulatorCpuMsPerGateway ?? null,
      'cloud peak MiB': r.cloud.peakRssMiB,
      'TLS resumed / reconnections': `${r.storm?.tlsResumed ?? '-'} / ${r.storm?.reconnects ?? '-'}`,
      load: `${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [sizes, readings] = process.argv.slice(2);
  console.table(
    await benchReconnectStorm({
      ...(sizes ? { sizes: sizes.split(',').map(Number) } : {}),
      ...(readings ? { readings: Number(readings) } : {}),
    }),
  );
}
