/**
 * `telecart sim fleet`: thousands of light gateways against one cloud (issue 14), spread over
 * --workers child processes (fleet/worker-pool.ts) so the simulator is not the bound.
 * Steady mode: realistic rates (× --rate) for --duration, then the drain. Storm mode: every
 * gateway holds --storm-readings unsynced readings while the cloud restarts, then all come back.
 * Prints readings sent / acked / stored, lost and duplicated, send → ack latency, cloud CPU and RSS.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLOUD_DB_FILE, type ConnectRateOptions, DEFAULT_CONNECT_RATE, openCloudStore } from '@telecart/cloud';
import { RECONNECT_DEFAULTS } from '@telecart/gateway';
import { type FleetCloud, startFleetCloud } from './fleet/cloud-process.js';
import { cachedIdentities, enrollFleet, type Identity, makeTokens } from './fleet/identities.js';
import type { FleetCounters } from './fleet/light-gateway.js';
import { type ProcSample, sampleProcess } from './fleet/proc-stats.js';
import { profileFor, type RateProfile, seeded } from './fleet/rate-model.js';
import type { FleetReport } from './fleet/report.js';
import { WorkerPool } from './fleet/worker-pool.js';

export interface FleetOptions {
  gateways: number;
  /** Seconds of readings (steady mode). */
  duration: number;
  rate: number;
  /** Share of carts in the fleet, 0–1. */
  carts: number;
  json: boolean;
  /** MQTT URL of a running cloud (mqtts://…); default: a cloud started here. */
  cloud?: string;
  enrollUrl?: string;
  cloudDataDir?: string;
  cloudDb?: string;
  storm: boolean;
  stormReadings: number;
  /** Seconds over which the first connections are spread (default: enough for the broker's connect rate). */
  ramp?: number;
  /** Seconds the drain may take before the run ends with readings pending. */
  drainTimeout: number;
  /** The gateways' reconnect backoff; each default is the gateway's (RECONNECT_DEFAULTS). */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** ± fraction of each reconnect delay drawn at random. */
  reconnectSpread?: number;
  /** Least reconnect delay after an attempt the broker shed (0: as after any failure). */
  reconnectAfterShedMs?: number;
  /** The cloud started here holds a connection it cannot admit yet at most this long (before/after of the longer hold). */
  cloudConnectHoldMs?: number;
  /** The cloud started here holds at most this many connections, a fixed bound (before/after of the queue sized by the admission rate). */
  cloudConnectQueue?: number;
  idPrefix: string;
  seed: number;
  /** Keep the cloud CA and the enrolled identities here between runs (own cloud only). */
  identities?: string;
  /** Profile the cloud started here (`node --cpu-prof`): its profiles are written in this directory. */
  cloudCpuProf?: string;
  /** The cloud started here commits the ingest's writes on its event loop instead of its intake thread (a before/after toggle). */
  cloudIntakeOnLoop?: boolean;
  /** The cloud started here admits gateways without the uplink credit (before/after of admission at the store's pace). */
  cloudNoUplinkCredit?: boolean;
  /** The cloud started here runs its ingest as an MQTT client of its broker's internal listener (before/after of the in-process ingest). */
  cloudIngestOverMqtt?: boolean;
  /** The gateways offer no session ticket on reconnect: every handshake full (before/after of TLS session resumption). */
  noTlsResumption?: boolean;
  /** Processes the gateways are spread over (default: defaultWorkers). */
  workers?: number;
  /**
   * Gateways trying their first connection at once, the whole fleet (default 64: the embedded
   * broker's bound on unfinished handshakes; more are shed and retry, which cost both sides more
   * than the handshakes themselves).
   */
  maxConnecting?: number;
}

/** The broker's connect gate with another hold or a fixed queue (the "before" of « Fewer refusals »: 5 s, 2,000). */
function connectRateFor(holdMs: number | undefined, queue: number | undefined): ConnectRateOptions {
  const { minQueued, ...rest } = DEFAULT_CONNECT_RATE;
  return {
    ...rest,
    ...(queue === undefined ? (minQueued === undefined ? {} : { minQueued }) : { maxQueued: queue }),
    ...(holdMs === undefined ? {} : { maxWaitMs: holdMs }),
  };
}

/** The embedded broker's bound on unfinished TLS handshakes (cloud DEFAULT_CONNECT_RATE.maxPending). */
const DEFAULT_MAX_CONNECTING = 64;

/** Gateways one worker process is given by default (one held 5,000 at ~13 ms of CPU per connection). */
const GATEWAYS_PER_WORKER = 2500;

/** As many workers as there are 2,500 gateways, at most one per core of the machine. */
export function defaultWorkers(gateways: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.ceil(gateways / GATEWAYS_PER_WORKER)));
}

export interface FleetIo {
  out(s: string): void;
  err(s: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The backoff waits begun between two readings of the counters, and their mean in ms. */
function waitsBetween(a: FleetCounters, b: FleetCounters): { waits: number; meanMs: number | null } {
  const waits = b.backoffWaits - a.backoffWaits;
  return { waits, meanMs: waits > 0 ? round((b.backoffWaitMs - a.backoffWaitMs) / waits, 0) : null };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

/** The soft limit on open files: each gateway is one socket here and one in the cloud. */
function openFileLimit(): number | null {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : null;
}

const MiB = 1024 * 1024;
const round = (v: number, d = 1) => Number(v.toFixed(d));

/** CPU µs of the simulator so far: this process and its workers (as they last reported). */
function simCpuMicros(pool: WorkerPool | undefined): number {
  const own = process.cpuUsage();
  return own.user + own.system + (pool?.cpuMicros() ?? 0);
}

/** CPU ms per gateway of each side since `from` (null: no cloud process here, or nobody connected). */
function cpuPerGateway(
  from: { sim: number; cloud: number | null },
  cloud: FleetCloud | undefined,
  pool: WorkerPool,
  gateways: number,
): { cloud: number | null; sim: number | null } {
  if (gateways === 0) return { cloud: null, sim: null };
  const sim = simCpuMicros(pool) - from.sim;
  const cloudS = cloud && from.cloud !== null ? sampleProcess(cloud.pid()).cpuSeconds - from.cloud : null;
  return {
    cloud: cloudS === null ? null : round((cloudS * 1000) / gateways, 2),
    sim: round(sim / 1000 / gateways, 2),
  };
}

export async function runFleet(o: FleetOptions, io: FleetIo): Promise<FleetReport> {
  const log = (s: string) => {
    if (!o.json) io.err(`telecart sim fleet: ${s}\n`);
  };
  if (o.cloud && (!o.enrollUrl || !o.cloudDataDir))
    throw new Error('--cloud needs --enroll-url and --cloud-data-dir (where its enrollment tokens are made)');
  if (o.cloud && o.identities) throw new Error('--identities keeps the CA of the cloud started here: not with --cloud');
  if (o.cloud && o.cloudCpuProf) throw new Error('--cloud-cpu-prof profiles the cloud started here: not with --cloud');
  if (o.cloud && o.storm) throw new Error('--storm restarts the cloud: it runs only against the cloud it starts (no --cloud)');
  const limit = openFileLimit();
  if (limit !== null && o.gateways + 200 > limit)
    throw new Error(`${o.gateways} gateways need ${o.gateways + 200} open files, the limit is ${limit}: raise it (ulimit -n) first`);

  const random = seeded(o.seed);
  const ids = Array.from({ length: o.gateways }, (_, i) => `${o.idPrefix}-${String(i + 1).padStart(5, '0')}`);
  const patients = ids.map((id) => ({ id: `p-${id}`, family: 'FLEET', given: id, gateways: [id] }));
  const profiles: RateProfile[] = ids.map((_, i) => profileFor(i, o.gateways, o.carts, random));

  const workers = o.workers ?? defaultWorkers(o.gateways);
  const tmp = o.cloud ? undefined : mkdtempSync(join(tmpdir(), 'telecart-fleet-'));
  let cloud: FleetCloud | undefined;
  let pool: WorkerPool | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    if (tmp) {
      log(`starting a cloud (embedded broker, SQLite) in ${tmp}`);
      if (o.identities) mkdirSync(join(o.identities, 'security'), { recursive: true, mode: 0o700 });
      if (o.cloudCpuProf) mkdirSync(o.cloudCpuProf, { recursive: true });
      cloud = await startFleetCloud(
        tmp,
        patients,
        o.identities ? resolve(o.identities, 'security') : undefined,
        o.cloudCpuProf ? resolve(o.cloudCpuProf) : undefined,
        {
          ...(o.cloudIntakeOnLoop ? { sqliteIntakeThread: false } : {}),
          ...(o.cloudNoUplinkCredit ? { brokerUplinkCredit: false as const } : {}),
          ...(o.cloudIngestOverMqtt ? { embeddedIngest: 'mqtt' as const } : {}),
          ...(o.cloudConnectHoldMs !== undefined || o.cloudConnectQueue !== undefined
            ? { brokerConnectRate: connectRateFor(o.cloudConnectHoldMs, o.cloudConnectQueue) }
            : {}),
        },
      );
    }
    const mqttUrl = cloud?.mqttUrl ?? (o.cloud as string);
    const enrollUrl = cloud?.enrollUrl ?? (o.enrollUrl as string);
    const securityDir = o.identities ? resolve(o.identities, 'security') : join(cloud?.dataDir ?? (o.cloudDataDir as string), 'security');
    const countStored = async (): Promise<number | null> => {
      const db = o.cloudDb;
      if (!cloud && !db) return null;
      const store = await openCloudStore({
        ...(db && (db.startsWith('postgres://') || db.startsWith('postgresql://')) ? { db } : {}),
        sqliteFile: cloud ? join(cloud.dataDir, CLOUD_DB_FILE) : (db as string),
      });
      try {
        return await store.countObservations({});
      } finally {
        await store.close();
      }
    };
    const storedBefore = cloud ? 0 : await countStored();
    // The idle cloud's memory: what the gateways add is measured above it.
    const baseRss = cloud ? sampleProcess(cloud.pid()).rssBytes : null;

    const t0 = performance.now();
    log(`enrolling ${o.gateways} gateways through ${enrollUrl}`);
    let identities: Identity[];
    if (o.identities) {
      const c = await cachedIdentities(resolve(o.identities), securityDir, enrollUrl, ids);
      identities = c.identities;
      log(`${c.enrolled} enrolled now, ${ids.length - c.enrolled} reused from ${o.identities}`);
    } else {
      const { tokens, ca } = await makeTokens(securityDir, ids);
      identities = await enrollFleet({ enrollUrl, ca, gatewayIds: ids, tokens });
    }
    const enrollS = (performance.now() - t0) / 1000;

    const ca = identities[0]?.credentials.ca ?? '';
    log(`starting ${Math.min(workers, o.gateways)} worker processes`);
    const running = await WorkerPool.start({
      workers,
      url: mqttUrl,
      ca,
      seed: o.seed,
      backoff: {
        baseMs: o.reconnectBaseMs ?? RECONNECT_DEFAULTS.baseMs,
        maxMs: o.reconnectMaxMs ?? RECONNECT_DEFAULTS.maxMs,
        spread: o.reconnectSpread ?? RECONNECT_DEFAULTS.spread,
        afterShedMs: o.reconnectAfterShedMs ?? RECONNECT_DEFAULTS.afterShedMs,
      },
      tlsResumption: !o.noTlsResumption,
      gateways: identities.map((id, i) => {
        const p = profiles[i] as RateProfile;
        if (id.credentials.ca !== ca) throw new Error(`gateway ${id.gatewayId} was enrolled under another CA than the fleet's`);
        return {
          gatewayId: id.gatewayId,
          kind: p.kind,
          key: id.credentials.key,
          cert: id.credentials.cert,
          spotPerDay: p.spotPerDay,
          waveformPerDay: p.waveformPerDay,
        };
      }),
    });
    pool = running;
    const counters = () => running.counters();
    // A worker that failed ends the wait at once (and the run, below).
    const untilOr = (cond: () => boolean, ms: number) => until(() => running.failed() !== undefined || cond(), ms);
    const checkWorkers = () => {
      const e = running.failed();
      if (e) throw e;
    };
    // Spread the first connections under the broker's default connect rate (800/s).
    const rampMs = (o.ramp ?? Math.max(1, o.gateways / 400)) * 1000;
    log(`connecting ${o.gateways} gateways over ${round(rampMs / 1000)} s`);
    const load0 = loadavg()[0] ?? 0;
    const connectStart = { at: performance.now(), sim: simCpuMicros(running), cloud: cloud ? sampleProcess(cloud.pid()).cpuSeconds : null };
    running.connect(rampMs, o.maxConnecting ?? DEFAULT_MAX_CONNECTING);
    // Progress every 10 s (the table comes at the end): a slow connect phase shows where it stands.
    progress = setInterval(() => {
      const c = counters();
      log(`${c.connectedNow} connected, ${c.connectFailures} failed attempts, ${running.backlog()} readings unacked`);
    }, 10_000);
    const allUp = await untilOr(() => counters().connectedNow >= o.gateways, rampMs + 120_000);
    checkWorkers();
    if (!allUp) log(`only ${counters().connectedNow} of ${o.gateways} gateways connected`);
    const connectedFirst = counters().connectedNow;
    const connect = cpuPerGateway(connectStart, cloud, running, connectedFirst);
    const connectReport: FleetReport['connect'] = {
      seconds: round((performance.now() - connectStart.at) / 1000, 2),
      connected: connectedFirst,
      failedAttempts: counters().connectFailures,
      cloudCpuMsPerGateway: connect.cloud,
      simulatorCpuMsPerGateway: connect.sim,
    };

    const cloudPid = cloud?.pid() ?? null;
    const cpu0 = simCpuMicros(running);
    let cloudStart: ProcSample | undefined;
    let tStart = performance.now();
    let storm: FleetReport['storm'];
    let peakRss = 0;
    const rssTimer = setInterval(() => {
      try {
        if (cloud?.pid()) peakRss = Math.max(peakRss, sampleProcess(cloud.pid()).rssBytes);
      } catch {
        // The cloud is exiting (storm): a zombie has no VmRSS. Its peak is read again at the end.
      }
    }, 500);
    // Cleared at the run's end; on a failure it must not hold the process.
    rssTimer.unref();

    if (o.storm && cloud) {
      log(`storm: stopping the cloud; each gateway records ${o.stormReadings} readings meanwhile`);
      const atStop = counters();
      await cloud.stop();
      // Every gateway saw the cloud go (the counts are the workers' last report, 200 ms old at most).
      await untilOr(() => counters().connectedNow === 0, 30_000);
      await running.record(o.stormReadings);
      // The gateways come back while the cloud starts (its broker listens before the rest is up),
      // so everything is watched from the restart's beginning; "after restart" figures count from ready.
      const tRestart = performance.now();
      const since = () => (performance.now() - tRestart) / 1000;
      let readyS: number | null = null;
      // A restart that fails ends the watch below at once (the run then fails with its reason, rather than
      // waiting out the drain timeout).
      let restartFailed = false;
      const started = cloud.start().then(
        () => {
          readyS = since();
          log(`storm: cloud ready ${round(readyS)} s after its restart began; ${o.gateways} gateways reconnect with jittered backoff`);
        },
        (e: unknown) => {
          restartFailed = true;
          throw e;
        },
      );
      tStart = tRestart;
      // The restarted cloud is a new process: its CPU counts from its spawn.
      cloudStart = { cpuSeconds: 0, rssBytes: 0, peakRssBytes: 0 };
      const reconnectStart = { at: tRestart, sim: simCpuMicros(running), cloud: 0 };
      const before = counters();
      let reconnectCpu: { cloud: number | null; sim: number | null } = { cloud: null, sim: null };
      let reconnectedAt: number | null = null;
      let drainedAt: number | null = null;
      // When half, 90 % and 99 % of the gateways were back (the drain's shape, whatever CPU each process got).
      const shares = [0.5, 0.9, 0.99] as const;
      const backAt: (number | null)[] = shares.map(() => null);
      const watched = untilOr(() => {
        if (restartFailed) return true;
        const now = counters().connectedNow;
        for (const [i, f] of shares.entries()) if (backAt[i] === null && now >= Math.ceil(f * o.gateways)) backAt[i] = round(since(), 2);
        if (reconnectedAt === null && now >= o.gateways) reconnectedAt = since();
        if (drainedAt === null && running.backlog() === 0) drainedAt = since();
        // CPU per gateway once all are back and the new process is known (it may be ready after they are).
        if (reconnectedAt !== null && readyS !== null && reconnectCpu.cloud === null)
          reconnectCpu = cpuPerGateway(reconnectStart, cloud, running, o.gateways);
        return readyS !== null && reconnectedAt !== null && drainedAt !== null;
      }, o.drainTimeout * 1000);
      await started;
      await watched;
      checkWorkers();
      const after = counters();
      const restartS = readyS ?? since();
      const afterReady = (t: number | null) => (t === null ? null : round(Math.max(0, t - restartS), 2));
      storm = {
        readingsPerGateway: o.stormReadings,
        restartS: round(restartS, 2),
        reconnectedS: afterReady(reconnectedAt),
        drainedS: afterReady(drainedAt),
        reconnectedSinceRestartS: reconnectedAt === null ? null : round(reconnectedAt, 2),
        drainedSinceRestartS: drainedAt === null ? null : round(drainedAt, 2),
        reconnectCloudCpuMsPerGateway: reconnectCpu.cloud,
        reconnectSimulatorCpuMsPerGateway: reconnectCpu.sim,
        reconnects: after.connects - before.connects,
        tlsResumed: after.tlsResumed - before.tlsResumed,
        backSinceRestartS: { p50: backAt[0] ?? null, p90: backAt[1] ?? null, p99: backAt[2] ?? null },
        failedAttemptsSinceRestart: after.connectFailures - before.connectFailures,
        shedAttemptsSinceRestart: after.shedAttempts - before.shedAttempts,
        otherFailedSinceRestart: {
          refused: after.refusedAttempts - before.refusedAttempts,
          timedOut: after.timedOutAttempts - before.timedOutAttempts,
          closed: after.closedAttempts - before.closedAttempts,
          other: after.otherFailedAttempts - before.otherFailedAttempts,
        },
        backoffWhileAway: waitsBetween(atStop, before),
        backoffSinceRestart: waitsBetween(before, after),
      };
    } else {
      cloudStart = cloud ? sampleProcess(cloud.pid()) : undefined;
      log(`measuring for ${o.duration} s at ×${o.rate} the real rates`);
      await running.steady(o.duration * 1000, o.rate);
      if (!(await untilOr(() => running.backlog() === 0, o.drainTimeout * 1000)))
        log(`drain timed out with ${running.backlog()} readings pending`);
      checkWorkers();
    }
    clearInterval(rssTimer);
    clearInterval(progress);
    const wallS = (performance.now() - tStart) / 1000;
    const cloudEnd = cloud ? sampleProcess(cloud.pid()) : undefined;
    const simCpu = simCpuMicros(running) - cpu0;
    const simRss = process.memoryUsage.rss() + running.rssBytes();
    // The workers' last word: their counters as the run ended and their latencies.
    const end = await running.stop();
    pool = undefined;
    const counted = end.counters;
    const connected = counted.connectedNow;
    const pending = end.backlog;
    const latency = end.latency;

    await cloud?.stop();
    const storedAfter = await countStored();
    const stored = storedAfter === null || storedBefore === null ? null : storedAfter - storedBefore;

    const cpuPercent = cloudStart && cloudEnd && wallS > 0 ? ((cloudEnd.cpuSeconds - cloudStart.cpuSeconds) / wallS) * 100 : null;
    const rssMiB = cloudEnd ? cloudEnd.rssBytes / MiB : null;
    const per1000 = (v: number | null, d: number) => (v === null ? null : round((v * 1000) / o.gateways, d));
    const carts = profiles.filter((p) => p.kind === 'cart').length;
    return {
      mode: o.storm ? 'storm' : 'steady',
      gateways: o.gateways,
      carts,
      homeKits: o.gateways - carts,
      rateMultiplier: o.rate,
      durationS: round(wallS, 2),
      enrollS: round(enrollS, 2),
      connected,
      connectFailures: counted.connectFailures,
      sent: counted.sent,
      acked: counted.acked,
      stored,
      lost: stored === null ? null : Math.max(0, counted.acked - stored),
      duplicated: stored === null ? null : Math.max(0, stored - counted.sent),
      pending,
      resent: counted.resent,
      duplicateAcks: counted.duplicateAcks,
      rejected: counted.rejected,
      latencyMs: latency.summary(),
      cloud: {
        pid: cloudPid,
        cpuPercent: cpuPercent === null ? null : round(cpuPercent),
        rssMiB: rssMiB === null ? null : round(rssMiB),
        peakRssMiB: cloud ? round(Math.max(peakRss, cloudEnd?.peakRssBytes ?? 0) / MiB) : null,
        cpuPercentPer1000: per1000(cpuPercent, 2),
        rssMiBPer1000: per1000(rssMiB === null || baseRss === null ? null : rssMiB - baseRss / MiB, 1),
      },
      simulator: {
        workers: running.size,
        rssMiB: round(simRss / MiB),
        cpuPercent: round((simCpu / 1e6 / Math.max(wallS, 1e-3)) * 100),
      },
      connect: connectReport,
      loadAverage: [round(load0, 2), round(loadavg()[0] ?? 0, 2)],
      ...(storm ? { storm } : {}),
    };
  } finally {
    clearInterval(progress);
    pool?.kill();
    await cloud?.stop().catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** The problems a report shows (empty: every reading stored exactly once, every gateway connected). */
export function fleetProblems(r: FleetReport): string[] {
  const p: string[] = [];
  if (r.connected < r.gateways) p.push(`${r.gateways - r.connected} gateways not connected at the end`);
  if (r.pending > 0) p.push(`${r.pending} readings never acked`);
  if (r.lost) p.push(`${r.lost} acked readings missing from the store`);
  if (r.duplicated) p.push(`${r.duplicated} readings stored more than once`);
  if (r.rejected > 0) p.push(`${r.rejected} readings rejected by the cloud`);
  return p;
}

export async function simFleetCommand(o: FleetOptions, io: FleetIo): Promise<number> {
  let report: FleetReport;
  try {
    report = await runFleet(o, io);
  } catch (e) {
    io.err(`telecart sim fleet: ${(e as Error).message}\n`);
    return 2;
  }
  const { formatReport } = await import('./fleet/report.js');
  io.out(o.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  const problems = fleetProblems(report);
  for (const m of problems) io.err(`telecart sim fleet: ${m}\n`);
  return problems.length ? 1 : 0;
}
