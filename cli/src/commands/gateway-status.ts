/**
 * `telecart gateway status`: the backlog by lane, the store's fill level and the sync state.
 * Asks the running gateway (GET /api/status on its local API); when that does not answer, reads
 * the data directory's store file read-only and says so. Exit code: 0 live answer, 2 gateway
 * unreachable (store shown from the file when there is one), 1 usage or read error.
 */
import { resolve } from 'node:path';
import { type LaneStats, readStoreStatus, validateGatewayConfig } from '@telecart/gateway';
import { LANES, type Lane } from '@telecart/protocol';
import { ConfigError, loadConfigFile } from '../config/load-config.js';

export interface GatewayStatusOptions {
  /** Base URL of the gateway's local API, e.g. http://127.0.0.1:8081. */
  url?: string;
  config?: string;
  dataDir?: string;
  json?: boolean;
  timeoutMs?: number;
}

export interface StatusView {
  source: 'live' | 'store-file';
  where: string;
  gatewayId: string | null;
  lanes: Record<Lane, { pending: number; held: number; rejected: number; bytes: number; oldestUnsyncedAt: string | null }>;
  usedBytes: number | null;
  maxBytes: number | null;
  waveformStopBytes: number | null;
  level: string | null;
  sync: { connected: boolean; inFlight: number; lastAckAt: string | null } | null;
  /** The newest reading the cloud refused, with its reason (live answers only). */
  latestRejected?: { seq: number; reason: string | null } | null;
}

export const EXIT_UNREACHABLE = 2;

interface Out {
  out: (s: string) => void;
  err: (s: string) => void;
}

function bytes(n: number | null): string {
  if (n === null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

function age(iso: string | null, now: number): string {
  if (iso === null) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** The table a person reads; pure, for tests. */
export function formatStatus(v: StatusView, now = Date.now()): string {
  const head =
    v.source === 'live'
      ? `gateway ${v.gatewayId ?? '?'}: running, status from ${v.where}`
      : `gateway ${v.gatewayId ?? '?'}: NOT REACHABLE; backlog read from the store file ${v.where}`;
  const rows: string[][] = [['lane', 'pending', 'held', 'rejected', 'unsynced bytes', 'oldest unsynced']];
  const total = { pending: 0, held: 0, rejected: 0, bytes: 0 };
  for (const lane of LANES) {
    const l = v.lanes[lane];
    rows.push([lane, String(l.pending), String(l.held), String(l.rejected), bytes(l.bytes), age(l.oldestUnsyncedAt, now)]);
    total.pending += l.pending;
    total.held += l.held;
    total.rejected += l.rejected;
    total.bytes += l.bytes;
  }
  const oldest = LANES.map((l) => v.lanes[l].oldestUnsyncedAt)
    .filter((x): x is string => x !== null)
    .sort()[0];
  rows.push(['total', String(total.pending), String(total.held), String(total.rejected), bytes(total.bytes), age(oldest ?? null, now)]);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const table = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
  const lines = [head, '', ...table, ''];
  const cap = v.maxBytes === null ? 'no cap' : `cap ${bytes(v.maxBytes)}, waveforms refused past ${bytes(v.waveformStopBytes)}`;
  lines.push(`store: ${bytes(v.usedBytes)} used (${cap})${v.level === null ? '' : `, level ${v.level.toUpperCase()}`}`);
  if (v.sync)
    lines.push(
      `sync: ${v.sync.connected ? 'connected' : 'DISCONNECTED'}, ${v.sync.inFlight} batch(es) in flight, last ack ${v.sync.lastAckAt ?? 'never'}`,
    );
  if (v.latestRejected)
    lines.push(`refused by the cloud, latest: seq ${v.latestRejected.seq}: ${v.latestRejected.reason ?? '(no reason)'}`);
  return `${lines.join('\n')}\n`;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

async function fetchLive(url: string, timeoutMs: number): Promise<StatusView> {
  const res = await fetch(`${url.replace(/\/$/, '')}/api/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as {
    gatewayId?: string;
    backlog?: { lanes?: Record<Lane, LaneStats & { oldestUnsyncedAt: string | null }>; capacity?: Record<string, unknown> };
    sync?: { connected: boolean; inFlight: number; lastAckAt: string | null };
    rejectedByCloud?: { seq: number; reason: string | null }[];
  };
  const lanes = body.backlog?.lanes;
  if (!lanes || LANES.some((l) => typeof lanes[l]?.pending !== 'number'))
    throw new Error('the answer has no per-lane backlog (a gateway older than this CLI?)');
  const cap = body.backlog?.capacity ?? {};
  const num = (x: unknown) => (typeof x === 'number' ? x : null);
  return {
    source: 'live',
    where: url,
    gatewayId: body.gatewayId ?? null,
    lanes,
    usedBytes: num(cap.usedBytes),
    maxBytes: num(cap.maxBytes),
    waveformStopBytes: num(cap.waveformStopBytes),
    level: typeof cap.level === 'string' ? cap.level : null,
    sync: body.sync ?? null,
    latestRejected: body.rejectedByCloud?.[0] ? { seq: body.rejectedByCloud[0].seq, reason: body.rejectedByCloud[0].reason } : null,
  };
}

function fromStoreFile(dataDir: string): StatusView {
  const s = readStoreStatus(dataDir);
  const lanes = {} as StatusView['lanes'];
  for (const l of LANES) lanes[l] = { ...s.lanes[l], oldestUnsyncedAt: isoOrNull(s.lanes[l].oldestUnsyncedAt) };
  return {
    source: 'store-file',
    where: s.file,
    gatewayId: s.gatewayId,
    lanes,
    usedBytes: s.usedBytes,
    maxBytes: null,
    waveformStopBytes: null,
    level: null,
    sync: null,
  };
}

/** Runs the command; returns the exit code. */
export async function gatewayStatusCommand(o: GatewayStatusOptions, io: Out): Promise<number> {
  let url = o.url;
  let dataDir = o.dataDir;
  let caps: { maxBytes: number; waveformStopBytes: number } | undefined;
  if (o.config) {
    try {
      const c = loadConfigFile(validateGatewayConfig, o.config);
      const host = c.http.host === '0.0.0.0' ? '127.0.0.1' : c.http.host === '::' ? '[::1]' : c.http.host;
      url ??= `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${c.http.port}`;
      dataDir ??= c.dataDir ?? `data/gateway-${c.gatewayId}`;
      caps = { maxBytes: c.store.maxBytes, waveformStopBytes: Math.floor(c.store.maxBytes * c.store.waveformStopRatio) };
    } catch (e) {
      io.err(`telecart gateway status: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
      return 1;
    }
  }
  url ??= 'http://127.0.0.1:8081';
  let view: StatusView;
  let code = 0;
  try {
    view = await fetchLive(url, o.timeoutMs ?? 3000);
  } catch (e) {
    const why =
      (e as Error).name === 'TimeoutError' ? 'no answer in time' : ((e as { cause?: Error }).cause?.message ?? (e as Error).message);
    io.err(`telecart gateway status: gateway not reachable at ${url} (${why})\n`);
    if (!dataDir) {
      io.err('telecart gateway status: give --data-dir (or --config) to read the backlog from the store file instead\n');
      return EXIT_UNREACHABLE;
    }
    try {
      view = fromStoreFile(resolve(dataDir));
      if (caps) view = { ...view, ...caps };
    } catch (e2) {
      io.err(`telecart gateway status: cannot read the store: ${(e2 as Error).message}\n`);
      return EXIT_UNREACHABLE;
    }
    code = EXIT_UNREACHABLE;
  }
  io.out(o.json ? `${JSON.stringify(view, null, 2)}\n` : formatStatus(view));
  return code;
}
