/**
 * `telecart sim fleet`: thousands of light gateways in this process against one cloud (issue 14).
 * Steady mode: realistic rates (× --rate) for --duration, then the drain. Storm mode: every
 * gateway holds --storm-readings unsynced readings while the cloud restarts, then all come back.
 * Prints readings sent / acked / stored, lost and duplicated, send → ack latency, cloud CPU and RSS.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLOUD_DB_FILE, openCloudStore } from '@telecart/cloud';
import { type FleetCloud, startFleetCloud } from './fleet/cloud-process.js';
import { cachedIdentities, enrollFleet, type Identity, makeTokens } from './fleet/identities.js';
import { LatencyHistogram } from './fleet/latency.js';
import { type FleetCounters, LightGateway, newCounters } from './fleet/light-gateway.js';
import { type ProcSample, sampleProcess } from './fleet/proc-stats.js';
import { nextGapMs, profileFor, type RateProfile } from './fleet/rate-model.js';
import type { FleetReport } from './fleet/report.js';

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
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  idPrefix: string;
  seed: number;
  /** Keep the cloud CA and the enrolled identities here between runs (own cloud only). */
  identities?: string;
  /** Profile the cloud started here (`node --cpu-prof`): its profiles are written in this directory. */
  cloudCpuProf?: string;
}

export interface FleetIo {
  out(s: string): void;
  err(s: string): void;
}

/** mulberry32: a seeded random source, so a run's fleet (kinds, rates) is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** CPU ms per gateway of each side since `from` (null: no cloud process here, or nobody connected). */
function cpuPerGateway(
  from: { sim: NodeJS.CpuUsage; cloud: number | null },
  cloud: FleetCloud | undefined,
  gateways: number,
): { cloud: number | null; sim: number | null } {
  if (gateways === 0) return { cloud: null, sim: null };
  const sim = process.cpuUsage(from.sim);
  const cloudS = cloud && from.cloud !== null ? sampleProcess(cloud.pid()).cpuSeconds - from.cloud : null;
  return {
    cloud: cloudS === null ? null : round((cloudS * 1000) / gateways, 2),
    sim: round((sim.user + sim.system) / 1000 / gateways, 2),
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

  const tmp = o.cloud ? undefined : mkdtempSync(join(tmpdir(), 'telecart-fleet-'));
  let cloud: FleetCloud | undefined;
  const gateways: LightGateway[] = [];
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

    const counters: FleetCounters = newCounters();
    const latency = new LatencyHistogram();
    identities.forEach((id, i) => {
      const p = profiles[i] as RateProfile;
      gateways.push(
        new LightGateway({
          gatewayId: id.gatewayId,
          patientId: `p-${id.gatewayId}`,
          kind: p.kind,
          url: mqttUrl,
          credentials: id.credentials,
          backoff: { baseMs: o.reconnectBaseMs, maxMs: o.reconnectMaxMs },
          counters,
          latency,
          random,
        }),
      );
    });
    // Spread the first connections under the broker's default connect rate (800/s).
    const rampMs = (o.ramp ?? Math.max(1, o.gateways / 400)) * 1000;
    log(`connecting ${o.gateways} gateways over ${round(rampMs / 1000)} s`);
    const load0 = loadavg()[0] ?? 0;
    const connectStart = { at: performance.now(), sim: process.cpuUsage(), cloud: cloud ? sampleProcess(cloud.pid()).cpuSeconds : null };
    const startTimers = gateways.map((g) => setTimeout(() => g.start(), random() * rampMs));
    const allUp = await until(() => counters.connectedNow >= o.gateways, rampMs + 120_000);
    if (!allUp) log(`only ${counters.connectedNow} of ${o.gateways} gateways connected`);
    const connect = cpuPerGateway(connectStart, cloud, counters.connectedNow);
    const connectReport: FleetReport['connect'] = {
      seconds: round((performance.now() - connectStart.at) / 1000, 2),
      connected: counters.connectedNow,
      failedAttempts: counters.connectFailures,
      cloudCpuMsPerGateway: connect.cloud,
      simulatorCpuMsPerGateway: connect.sim,
    };

    const cloudPid = cloud?.pid() ?? null;
    const cpu0 = process.cpuUsage();
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

    if (o.storm && cloud) {
      log(`storm: stopping the cloud; each gateway records ${o.stormReadings} readings meanwhile`);
      await cloud.stop();
      for (const g of gateways) for (let k = 0; k < o.stormReadings; k++) g.measure('spot');
      const tRestart = performance.now();
      await cloud.start();
      const restartS = (performance.now() - tRestart) / 1000;
      log(`storm: cloud back after ${round(restartS)} s; ${o.gateways} gateways reconnect with jittered backoff`);
      tStart = performance.now();
      cloudStart = sampleProcess(cloud.pid());
      const reconnectStart = { at: tStart, sim: process.cpuUsage(), cloud: cloudStart.cpuSeconds };
      let reconnectCpu: { cloud: number | null; sim: number | null } = { cloud: null, sim: null };
      let reconnectedS: number | null = null;
      let drainedS: number | null = null;
      await until(() => {
        const t = (performance.now() - tStart) / 1000;
        if (reconnectedS === null && counters.connectedNow >= o.gateways) {
          reconnectedS = t;
          reconnectCpu = cpuPerGateway(reconnectStart, cloud, o.gateways);
        }
        if (drainedS === null && gateways.every((g) => g.backlog === 0)) drainedS = t;
        return reconnectedS !== null && drainedS !== null;
      }, o.drainTimeout * 1000);
      storm = {
        readingsPerGateway: o.stormReadings,
        restartS: round(restartS, 2),
        reconnectedS,
        drainedS,
        reconnectCloudCpuMsPerGateway: reconnectCpu.cloud,
        reconnectSimulatorCpuMsPerGateway: reconnectCpu.sim,
      };
      if (reconnectedS !== null) storm.reconnectedS = round(reconnectedS, 2);
      if (drainedS !== null) storm.drainedS = round(drainedS, 2);
    } else {
      cloudStart = cloud ? sampleProcess(cloud.pid()) : undefined;
      const stopAt = Date.now() + o.duration * 1000;
      const timers = new Set<NodeJS.Timeout>();
      const schedule = (g: LightGateway, perDay: number, lane: 'spot' | 'waveform') => {
        const gap = nextGapMs(perDay, o.rate, random);
        if (Date.now() + gap > stopAt) return;
        const t = setTimeout(() => {
          timers.delete(t);
          g.measure(lane);
          schedule(g, perDay, lane);
        }, gap);
        timers.add(t);
      };
      gateways.forEach((g, i) => {
        const p = profiles[i] as RateProfile;
        schedule(g, p.spotPerDay, 'spot');
        if (p.waveformPerDay > 0) schedule(g, p.waveformPerDay, 'waveform');
      });
      log(`measuring for ${o.duration} s at ×${o.rate} the real rates`);
      await sleep(o.duration * 1000);
      for (const t of timers) clearTimeout(t);
      if (!(await until(() => gateways.every((g) => g.backlog === 0), o.drainTimeout * 1000)))
        log(`drain timed out with ${gateways.reduce((n, g) => n + g.backlog, 0)} readings pending`);
    }
    clearInterval(rssTimer);
    for (const t of startTimers) clearTimeout(t);
    const wallS = (performance.now() - tStart) / 1000;
    const cloudEnd = cloud ? sampleProcess(cloud.pid()) : undefined;
    const simCpu = process.cpuUsage(cpu0);
    const connected = counters.connectedNow;
    const pending = gateways.reduce((n, g) => n + g.backlog, 0);

    await Promise.all(gateways.map((g) => g.stop()));
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
      connectFailures: counters.connectFailures,
      sent: counters.sent,
      acked: counters.acked,
      stored,
      lost: stored === null ? null : Math.max(0, counters.acked - stored),
      duplicated: stored === null ? null : Math.max(0, stored - counters.sent),
      pending,
      resent: counters.resent,
      duplicateAcks: counters.duplicateAcks,
      rejected: counters.rejected,
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
        rssMiB: round(process.memoryUsage().rss / MiB),
        cpuPercent: round(((simCpu.user + simCpu.system) / 1e6 / Math.max(wallS, 1e-3)) * 100),
      },
      connect: connectReport,
      loadAverage: [round(load0, 2), round(loadavg()[0] ?? 0, 2)],
      ...(storm ? { storm } : {}),
    };
  } finally {
    await Promise.all(gateways.map((g) => g.stop().catch(() => undefined)));
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
