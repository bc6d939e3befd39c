/**
 * Store-and-forward on SQLite (better-sqlite3, WAL, synchronous=FULL): every reading gets its
 * UUIDv7 and its sequence number and is committed before anything else sees it (contract 1), and
 * leaves only when the cloud's ack says it was durably stored (contract 2). Synchronous
 * transactions mean "pick a batch / apply an ack" can never interleave with a half-done write.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { type Clock, finishFlags, systemClock } from '@telecart/devices';
import { compile, formatIssues, LANES, type Lane, Observation, PatientRef, type SeqRanges, type ValidationIssue } from '@telecart/protocol';
import Database from 'better-sqlite3';
import { type IdGenerator, uuidV7Generator } from './ids.js';
import { migrate } from './schema.js';

const { patient: _patient, ...observationFields } = Observation.properties;

/** An Observation as the gateway keeps it: `patient` is null while the reading is held. */
export const LocalObservation = Type.Object(
  { ...observationFields, patient: Type.Union([PatientRef, Type.Null()]) },
  { additionalProperties: false },
);
export type LocalObservation = Static<typeof LocalObservation>;

/** What the device manager hands over; the store adds id, seq and gatewayId. */
export type RecordInput = Omit<LocalObservation, 'id' | 'seq' | 'gatewayId'>;

export type RecordResult =
  | { duplicate: false; observation: LocalObservation }
  | {
      duplicate: true;
      id: string;
      seq: number;
      /** The stored reading while it is still local; null once the cloud has it (only its key is kept). */
      observation: LocalObservation | null;
      synced: boolean;
    };

export type ReadingState = 'held' | 'pending' | 'rejected';

export interface StoredReading {
  seq: number;
  id: string;
  lane: Lane;
  state: ReadingState;
  observation: LocalObservation;
  bytes: number;
  createdAt: number;
  rejectReason: string | null;
}

export interface Batch {
  lane: Lane;
  observations: Observation[];
  seqs: number[];
  /** Sum of the observations' JSON bytes. */
  bytes: number;
}

export interface StoreStats {
  pending: number;
  held: number;
  rejected: number;
  /** JSON bytes of everything not yet in the cloud (pending + held). */
  bytes: number;
  /** ms since epoch of the oldest pending reading, null when none. */
  oldestPendingAt: number | null;
  /** ms since epoch of the oldest pending or held reading, null when none. */
  oldestUnsyncedAt: number | null;
}

export interface ReadingStoreOptions {
  dataDir: string;
  gatewayId: string;
  clock?: Clock;
  /** Default 'gateway.sqlite'. */
  fileName?: string;
  /** Synced content keys older than this are forgotten at open. Default 400 days. */
  syncedKeyRetentionMs?: number;
}

export interface ReadingStoreEvents {
  /** A new reading was committed (not emitted for duplicates). */
  recorded: [LocalObservation];
  /** Held readings got a patient and became pending. */
  assigned: [number[]];
  /** Readings the cloud stored were removed. */
  stored: [number];
}

export class InvalidReadingError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid reading: ${formatIssues(issues)}`);
    this.name = 'InvalidReadingError';
  }
}

export const NO_PATIENT_FLAG = 'no-patient';
/** Marks a reading whose patient was given by the nurse after the measurement. */
export const ASSIGNED_LATER_FLAG = 'patient-assigned-later';

const LANE_RANK: Record<Lane, number> = { alarm: 0, spot: 1, waveform: 2 };
const DAY_MS = 86_400_000;
const checkLocal = compile(LocalObservation);

interface ReadingRow {
  seq: number;
  id: string;
  lane: Lane;
  state: ReadingState;
  observation: string;
  bytes: number;
  created_at: number;
  reject_reason: string | null;
}

function toStored(r: ReadingRow): StoredReading {
  return {
    seq: r.seq,
    id: r.id,
    lane: r.lane,
    state: r.state,
    observation: JSON.parse(r.observation) as LocalObservation,
    bytes: r.bytes,
    createdAt: r.created_at,
    rejectReason: r.reject_reason,
  };
}

function validated(o: LocalObservation): string {
  const r = checkLocal.validate(o);
  if (!r.ok) throw new InvalidReadingError(r.issues);
  return JSON.stringify(o);
}

export class ReadingStore extends EventEmitter<ReadingStoreEvents> {
  readonly gatewayId: string;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly q;
  private readonly recordTx: (input: RecordInput) => RecordResult;
  private readonly markStoredTx: (ranges: SeqRanges) => number;
  private readonly assignTx: (seqs: readonly number[], patient: PatientRef) => { assigned: number[]; skipped: number[] };

  constructor(opts: ReadingStoreOptions) {
    super();
    this.gatewayId = opts.gatewayId;
    this.clock = opts.clock ?? systemClock;
    this.newId = uuidV7Generator(this.clock);
    mkdirSync(opts.dataDir, { recursive: true });
    this.file = join(opts.dataDir, opts.fileName ?? 'gateway.sqlite');
    const db = new Database(this.file);
    this.db = db;
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a reading shown to the nurse as recorded survives a power cut, not just a crash.
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      migrate(db);
      this.claimGatewayId();
    } catch (e) {
      db.close();
      throw e;
    }

    this.q = {
      lastSeq: db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'last_seq'`),
      setLastSeq: db.prepare<[string]>(`UPDATE meta SET value = ? WHERE key = 'last_seq'`),
      byKey: db.prepare<[string], ReadingRow>(`SELECT * FROM readings WHERE content_key = ?`),
      syncedKey: db.prepare<[string], { seq: number; id: string }>(`SELECT seq, id FROM synced_keys WHERE content_key = ?`),
      insert: db.prepare<[number, string, string | null, Lane, number, ReadingState, string, number, number]>(
        `INSERT INTO readings (seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      pendingInLane: db.prepare<[number], Pick<ReadingRow, 'seq' | 'observation' | 'bytes'>>(
        `SELECT seq, observation, bytes FROM readings WHERE state = 'pending' AND lane_rank = ? ORDER BY seq`,
      ),
      deleteStored: db.prepare<[number, number], { seq: number; id: string; content_key: string | null }>(
        `DELETE FROM readings WHERE seq BETWEEN ? AND ? AND state = 'pending' RETURNING seq, id, content_key`,
      ),
      rememberKey: db.prepare<[string, number, string, number]>(
        `INSERT OR IGNORE INTO synced_keys (content_key, seq, id, synced_at) VALUES (?, ?, ?, ?)`,
      ),
      reject: db.prepare<[string, number]>(`UPDATE readings SET state = 'rejected', reject_reason = ? WHERE seq = ? AND state = 'pending'`),
      bySeq: db.prepare<[number], ReadingRow>(`SELECT * FROM readings WHERE seq = ?`),
      heldBySeq: db.prepare<[number], ReadingRow>(`SELECT * FROM readings WHERE seq = ? AND state = 'held'`),
      release: db.prepare<[string, number, number]>(`UPDATE readings SET state = 'pending', observation = ?, bytes = ? WHERE seq = ?`),
      list: db.prepare<[ReadingState, number], ReadingRow>(`SELECT * FROM readings WHERE state = ? ORDER BY seq DESC LIMIT ?`),
      stats: db.prepare<[], { state: ReadingState; n: number; b: number; oldest: number | null }>(
        `SELECT state, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b, MIN(created_at) AS oldest FROM readings GROUP BY state`,
      ),
      pruneKeys: db.prepare<[number]>(`DELETE FROM synced_keys WHERE synced_at < ?`),
    };

    this.q.pruneKeys.run(this.clock.now() - (opts.syncedKeyRetentionMs ?? 400 * DAY_MS));

    this.recordTx = db.transaction((input: RecordInput): RecordResult => {
      if (input.contentKey !== undefined) {
        const local = this.q.byKey.get(input.contentKey);
        if (local) return { duplicate: true, id: local.id, seq: local.seq, observation: toStored(local).observation, synced: false };
        const synced = this.q.syncedKey.get(input.contentKey);
        if (synced) return { duplicate: true, id: synced.id, seq: synced.seq, observation: null, synced: true };
      }
      const seq = Number(this.q.lastSeq.get()?.value ?? '0') + 1;
      const held = input.patient === null;
      const flags = held ? finishFlags([...input.flags, NO_PATIENT_FLAG]) : input.flags;
      const observation: LocalObservation = { id: this.newId(), seq, gatewayId: this.gatewayId, ...input, flags };
      const json = validated(observation);
      this.q.setLastSeq.run(String(seq));
      this.q.insert.run(
        seq,
        observation.id,
        input.contentKey ?? null,
        input.lane,
        LANE_RANK[input.lane],
        held ? 'held' : 'pending',
        json,
        Buffer.byteLength(json),
        this.clock.now(),
      );
      return { duplicate: false, observation };
    });

    this.markStoredTx = db.transaction((ranges: SeqRanges): number => {
      const now = this.clock.now();
      let removed = 0;
      for (const [first, last] of ranges) {
        for (const row of this.q.deleteStored.all(Math.min(first, last), Math.max(first, last))) {
          removed++;
          if (row.content_key !== null) this.q.rememberKey.run(row.content_key, row.seq, row.id, now);
        }
      }
      return removed;
    });

    this.assignTx = db.transaction((seqs: readonly number[], patient: PatientRef) => {
      const assigned: number[] = [];
      const skipped: number[] = [];
      for (const seq of seqs) {
        const row = this.q.heldBySeq.get(seq);
        if (!row) {
          skipped.push(seq);
          continue;
        }
        const o = JSON.parse(row.observation) as LocalObservation;
        const flags = finishFlags([...o.flags.filter((f) => f !== NO_PATIENT_FLAG), ASSIGNED_LATER_FLAG]);
        const json = validated({ ...o, patient, flags });
        this.q.release.run(json, Buffer.byteLength(json), seq);
        assigned.push(seq);
      }
      return { assigned, skipped };
    });
  }

  /**
   * Gives the reading its identity and commits it, or returns the reading already stored (or
   * already synced) under the same content key. Throws InvalidReadingError before writing anything.
   */
  record(input: RecordInput): RecordResult {
    const r = this.recordTx(input);
    if (!r.duplicate) this.emit('recorded', r.observation);
    return r;
  }

  /**
   * The next batch to send: pending readings of the highest-priority lane that has any (among
   * `lanes`), oldest first, skipping `exclude` (already in flight), within maxCount and maxBytes
   * (a single reading larger than maxBytes still goes alone, or it would block its lane forever).
   */
  nextBatch(maxCount: number, maxBytes: number, opts: { exclude?: ReadonlySet<number>; lanes?: readonly Lane[] } = {}): Batch | null {
    const lanes = opts.lanes ?? LANES;
    for (const lane of LANES) {
      if (!lanes.includes(lane)) continue;
      const batch: Batch = { lane, observations: [], seqs: [], bytes: 0 };
      for (const row of this.q.pendingInLane.iterate(LANE_RANK[lane])) {
        if (opts.exclude?.has(row.seq)) continue;
        if (batch.seqs.length >= maxCount || (batch.seqs.length > 0 && batch.bytes + row.bytes > maxBytes)) break;
        batch.observations.push(JSON.parse(row.observation) as Observation);
        batch.seqs.push(row.seq);
        batch.bytes += row.bytes;
      }
      if (batch.seqs.length > 0) return batch;
    }
    return null;
  }

  /** The cloud durably stored these: delete them, remembering their content keys. Returns how many left. */
  markStored(ranges: SeqRanges): number {
    const removed = this.markStoredTx(ranges);
    if (removed > 0) this.emit('stored', removed);
    return removed;
  }

  /** The cloud refused this reading: quarantine it (kept for inspection, never resent silently). */
  markRejected(seq: number, reason: string): boolean {
    return this.q.reject.run(reason.slice(0, 300), seq).changes > 0;
  }

  held(limit = 1000): StoredReading[] {
    return this.list('held', limit);
  }

  /** Readings in a state, newest first. */
  list(state: ReadingState, limit = 100): StoredReading[] {
    return this.q.list.all(state, limit).map(toStored);
  }

  get(seq: number): StoredReading | undefined {
    const row = this.q.bySeq.get(seq);
    return row ? toStored(row) : undefined;
  }

  /** The nurse names the patient of held readings: they become pending. Seqs not held are skipped. */
  assignPatient(seqs: readonly number[], patient: PatientRef): { assigned: number[]; skipped: number[] } {
    const r = this.assignTx(seqs, patient);
    if (r.assigned.length > 0) this.emit('assigned', r.assigned);
    return r;
  }

  stats(): StoreStats {
    const s: StoreStats = { pending: 0, held: 0, rejected: 0, bytes: 0, oldestPendingAt: null, oldestUnsyncedAt: null };
    for (const row of this.q.stats.all()) {
      s[row.state] = row.n;
      if (row.state === 'rejected') continue;
      s.bytes += row.b;
      if (row.state === 'pending') s.oldestPendingAt = row.oldest;
      if (row.oldest !== null && (s.oldestUnsyncedAt === null || row.oldest < s.oldestUnsyncedAt)) s.oldestUnsyncedAt = row.oldest;
    }
    return s;
  }

  /** The last sequence number given out (0 for a new store). */
  lastSeq(): number {
    return Number(this.q.lastSeq.get()?.value ?? '0');
  }

  pragma(name: 'journal_mode' | 'synchronous' | 'user_version'): unknown {
    return this.db.pragma(name, { simple: true });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A data dir belongs to one gateway: its sequence numbers mean nothing under another id. */
  private claimGatewayId(): void {
    const row = this.db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'gateway_id'`).get();
    if (!row) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('gateway_id', ?)`).run(this.gatewayId);
    else if (row.value !== this.gatewayId)
      throw new Error(`store ${this.file} belongs to gateway "${row.value}", not "${this.gatewayId}"; use another data directory`);
  }
}
