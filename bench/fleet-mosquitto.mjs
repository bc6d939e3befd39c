// The fleet on the clustered-deployment parts (issue 14, part 1: « the same with Mosquitto + N ingest
// workers + PostgreSQL »; docs/region.md, « The fleet on Mosquitto, ingest workers and PostgreSQL »).
// Mosquitto with the cloud's mutual TLS (its CA, server certificate, CRL and pattern ACL from
// CloudSecurity.writeMosquittoFiles), a PostgreSQL server in a temporary directory, and
// `telecart cloud --broker mqtts://… --ingest-workers N --db postgres://… --tls` as a child; then
// `telecart sim fleet --cloud … --enroll-url … --cloud-data-dir … --cloud-db … --json` against it.
// The simulator reports gateways, readings sent/acked/stored, lost, duplicated and latency; this
// script adds the server side's CPU and RSS from /proc: Mosquitto, the ingest worker processes,
// PostgreSQL's processes, and the cloud's main process (which also signs the fleet's enrollments,
// ~55 ms each, so its CPU is given apart), over the whole simulator run.
//
//   node bench/fleet-mosquitto.mjs [gateways=1000] [ingestWorkers=2] [seconds=60] [rate=20]
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, stopChildren } from '../cli/dist/runtime/children.js';
import { mosquittoListenerConfig, serverHostnames } from '../cloud/dist/index.js';
import { CloudSecurity } from '../cloud/dist/security/index.js';
import { startMosquitto } from '../cloud/dist/testing/mosquitto.js';
import { startPostgres } from '../cloud/dist/testing/postgres.js';

const MAIN = fileURLToPath(new URL('../cli/dist/main.js', import.meta.url));
const TICK = 100; // USER_HZ

/** utime + stime (s) and RSS (MiB) of one process, or null once it is gone. */
function proc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rss: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

/** The direct children of a process (the cloud's ingest workers, PostgreSQL's backends). */
function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {}
  }
  return out;
}

function runSim(args) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [MAIN, 'sim', 'fleet', ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: 1_800_000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        if (line.startsWith('{')) resolve(JSON.parse(line));
        else reject(new Error(`sim fleet failed: ${err?.message ?? ''}\n${stderr.slice(-2000)}`));
      },
    );
  });
}

export async function benchFleetMosquitto({ gateways = 1000, ingestWorkers = 2, seconds = 60, rate = 20 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telecart-bench-fleet-mq-'));
  const dataDir = join(dir, 'cloud');
  const secDir = join(dataDir, 'security');
  let mosquitto;
  let pg;
  try {
    // The operator's steps (docs/security.md): the CA and the ingest identities, then Mosquitto's files.
    const sec = await CloudSecurity.open({ dir: secDir, hostnames: serverHostnames('127.0.0.1') });
    for (let i = 0; i < ingestWorkers; i++) await sec.ingestCredentials(i);
    const files = sec.writeMosquittoFiles(join(dir, 'mosquitto'), ingestWorkers, [undefined]);
    sec.close();
    mosquitto = await startMosquitto({ tlsListener: (port, host) => mosquittoListenerConfig(files, port, host) });
    pg = await startPostgres({ settings: { max_connections: 100 } });
    // The simulator's gateway ids and their patients (sim fleet: <prefix>-00001, patient p-<id>).
    const ids = Array.from({ length: gateways }, (_, i) => `fleet-${String(i + 1).padStart(5, '0')}`);
    const config = join(dir, 'cloud.json');
    writeFileSync(
      config,
      JSON.stringify({
        host: '127.0.0.1',
        httpPort: 0,
        tls: { enabled: true, dir: secDir, enrollPort: 0 },
        patients: ids.map((id) => ({ id: `p-${id}`, family: 'FLEET', given: id, gateways: [id] })),
      }),
    );
    const cloud = await startChild(
      'cloud',
      [
        'cloud',
        '--config',
        config,
        '--data-dir',
        dataDir,
        '--broker',
        mosquitto.url,
        '--ingest-workers',
        String(ingestWorkers),
        '--db',
        pg.url,
        '--mqtt-version',
        '5',
      ],
      { logFile: join(dir, 'cloud.log'), main: MAIN, timeoutMs: 120_000, env: { TELECART_LOG_LEVEL: 'warn' } },
    );
    const enrollUrl = String(cloud.info.enrollUrl ?? '');
    if (!enrollUrl.startsWith('https://')) throw new Error(`the cloud did not start enrollment: ${JSON.stringify(cloud.info)}`);
    const cloudPid = cloud.proc.pid;
    const workerPids = childrenOf(cloudPid);
    // The postmaster's pid is the first line of postmaster.pid in its data directory.
    const pgMain = Number(readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const sides = () => ({
      mosquitto: [mosquitto.pid()],
      'ingest workers': workerPids,
      postgres: [pgMain, ...childrenOf(pgMain)],
      'cloud main': [cloudPid],
    });
    const sample = () =>
      Object.fromEntries(
        Object.entries(sides()).map(([k, pids]) => {
          const xs = pids.map(proc).filter(Boolean);
          return [k, { cpu: xs.reduce((s, x) => s + x.cpu, 0), rss: xs.reduce((s, x) => s + x.rss, 0) }];
        }),
      );
    const before = sample();
    const t0 = performance.now();
    const report = await runSim([
      '--gateways',
      String(gateways),
      '--duration',
      String(seconds),
      '--rate',
      String(rate),
      '--json',
      '--cloud',
      mosquitto.url,
      '--enroll-url',
      enrollUrl,
      '--cloud-data-dir',
      dataDir,
      '--cloud-db',
      pg.url,
    ]);
    const wall = (performance.now() - t0) / 1000;
    const after = sample();
    await stopChildren([cloud]);
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, after[k].cpu - (before[k]?.cpu ?? 0)]));
    const per1000 = (x) => Number(((x * 1000) / gateways).toFixed(1));
    return {
      gateways,
      'ingest workers': ingestWorkers,
      connected: report.connected,
      'sent / acked / stored': `${report.sent} / ${report.acked} / ${report.stored}`,
      'lost / duplicated': `${report.lost} / ${report.duplicated}`,
      'latency p50 / p99 ms': `${report.latencyMs.p50} / ${report.latencyMs.p99}`,
      'connect s': report.connect.seconds,
      'run s (enroll + connect + measured)': Number(wall.toFixed(0)),
      'CPU % of a core over the run: mosquitto / workers / postgres / cloud main (with enrolment)': [
        'mosquitto',
        'ingest workers',
        'postgres',
        'cloud main',
      ]
        .map((k) => ((cpu[k] / wall) * 100).toFixed(1))
        .join(' / '),
      'CPU % per 1,000 gateways, mosquitto + workers + postgres': per1000(
        ((cpu.mosquitto + cpu['ingest workers'] + cpu.postgres) / wall) * 100,
      ),
      'RSS MiB at the end: mosquitto / workers / postgres': ['mosquitto', 'ingest workers', 'postgres']
        .map((k) => after[k].rss.toFixed(0))
        .join(' / '),
      'simulator CPU % (its workers, of one core)': report.simulator.cpuPercent,
      'load average': loadavg()[0].toFixed(1),
    };
  } finally {
    await mosquitto?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [g, w, s, r] = process.argv.slice(2).map(Number);
  const row = await benchFleetMosquitto({ gateways: g || 1000, ingestWorkers: w || 2, seconds: s || 60, rate: r || 20 });
  for (const [k, v] of Object.entries(row)) console.log(`${k.padEnd(90)} ${v}`);
}
