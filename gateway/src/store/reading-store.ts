/**
 * Store-and-forward on SQLite (better-sqlite3, WAL, synchronous=FULL): every reading gets its
 * UUIDv7 and its sequence number and is committed before anything else sees it (contract 1), and
 * leaves only when the cloud's ack says it was durably stored (contract 2; both in docs/architecture.md). Synchronous
 * transactions mean "pick a batch / apply an ack" can never interleave with a half-done write.
 *
 * Group commit: recordMany() and group() put many readings in one transaction (one fsync); the
 * readings of one device notification or record always go in together (recordMany), so a crash
 * never leaves half of them stored. The 'recorded' events (what wakes the sync) fire only after
 * that commit, so nothing leaves before it is on disk. Size cap: unsynced data is never deleted
 * to make room; past the soft cap waveform capture is refused (StoreFullError), past the hard cap
 * every reading is.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { type Clock, finishFlags, systemClock } from '@telecart/devices';
import { compile, formatIssues, LANES, type Lane, Observation, PatientRef, type SeqRanges, type ValidationIssue } from '@telecart/protocol';
import Database from 'better-sqlite3';
import { type IdGenerator, uuidV7Generator } from './ids.js';
import { migrate, type StoreMigration } from './schema.js';

const { patient: _patient, ...observationFields } = Observation.properties;

/** An Observation as the gateway keeps it: `patient` is null while the reading is held. */
export const LocalObservation = Type.Object(
  { ...observationFields, patient: Type.Union([PatientRef, Type.Null()]) },
  { additionalProperties: false },
);
export type LocalObservation = Static<typeof LocalObservation>;

/**
 * What the device manager hands over; the store gives it id, seq and gatewayId. An input whose
 * `id` slot is the empty string (the pipeline's: `id: '', seq: 0, gatewayId: ''` first, in the wire
 * order) becomes the stored observation itself, its slots and its lane and flags filled in: one
 * object per reading instead of an input and its copy. Any other input (already recorded once, or
 * without the slots) is copied, never changed.
 */
export type RecordInput = Omit<LocalObservation, 'id' | 'seq' | 'gatewayId'> & { id?: string; seq?: number; gatewayId?: string };

/** The observation a RecordInput becomes when the store takes it as is (its slots filled). */
type Claimed = { -readonly [K in keyof LocalObservation]: LocalObservation[K] };

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
  /** Parsed on first access: the sync client sends `json` as is. */
  readonly observations: Observation[];
  /**
   * The stored JSON texts of the observations, in `seqs` order, joined by commas: the inside of the
   * wire's `observations` array (read with the seqs in nextBatch's one pass over the lane's index).
   */
  json: string;
  seqs: number[];
  /** Sum of the observations' JSON bytes. */
  bytes: number;
}

export interface LaneStats {
  pending: number;
  held: number;
  rejected: number;
  /** JSON bytes not yet in the cloud (pending + held). */
  bytes: number;
  /** ms since epoch of the oldest pending or held reading of the lane (by sequence), null when none. */
  oldestUnsyncedAt: number | null;
}

/** 'ok'; 'near-full': past the soft cap, waveforms refused; 'full': past the hard cap, everything refused. */
export type CapacityLevel = 'ok' | 'near-full' | 'full';

export interface StoreCapacity {
  /** JSON bytes of every reading kept (pending, held, rejected): what the caps count. */
  usedBytes: number;
  /** Hard cap; Infinity when unlimited. */
  maxBytes: number;
  /** Soft cap: waveform-lane readings are refused past it, and the near-full alarm is raised. */
  waveformStopBytes: number;
  level: CapacityLevel;
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
  lanes: Record<Lane, LaneStats>;
  capacity: StoreCapacity;
}

export interface ReadingStoreOptions {
  dataDir: string;
  gatewayId: string;
  clock?: Clock;
  /** Default 'gateway.sqlite'. */
  fileName?: string;
  /** Synced content keys older than this are forgotten at open. Default 400 days. */
  syncedKeyRetentionMs?: number;
  /** Hard cap on the JSON bytes of readings kept; past it record() refuses everything. Default unlimited. */
  maxBytes?: number;
  /** Fraction of maxBytes past which waveform readings are refused and the near-full alarm raised. Default 0.8. */
  waveformStopRatio?: number;
  /** A reading this rule names (e.g. a critical vital sign) is moved to the alarm lane with the returned flag. */
  alarmRule?: AlarmRule;
  /** A schema migration of a store holding readings, before and after it (the gateway logs it: it may take minutes). */
  onMigration?: (m: StoreMigration) => void;
}

/** Returns the flag of the alarm a reading raises (e.g. 'alarm:spo2-low'), or null. */
export type AlarmRule = (input: RecordInput) => string | null;

export interface CapacityChange {
  level: CapacityLevel;
  previous: CapacityLevel;
  capacity: StoreCapacity;
}

export interface RefusedReading {
  lane: Lane;
  error: StoreFullError;
}

export interface ReadingStoreEvents {
  /** A new reading was committed (not emitted for duplicates). */
  recorded: [LocalObservation];
  /** Held readings got a patient and became pending. */
  assigned: [number[]];
  /** Readings the cloud stored were removed. */
  stored: [number];
  /** The fill level crossed a threshold (up or down). */
  capacity: [CapacityChange];
  /** A reading was refused because the store is (nearly) full. */
  refused: [RefusedReading];
}

export class InvalidReadingError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid reading: ${formatIssues(issues)}`);
    this.name = 'InvalidReadingError';
  }
}

/**
 * The store is too full for this reading. Nothing was written; nothing was deleted to make room.
 * Callers (device, serial, audio capture) should stop or pause capture and tell the user.
 */
export class StoreFullError extends Error {
  readonly code = 'STORE_FULL';
  constructor(
    /** 'near-full': waveforms refused (soft cap); 'full': everything refused (hard cap). */
    readonly level: Exclude<CapacityLevel, 'ok'>,
    readonly lane: Lane,
    readonly usedBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      level === 'full'
        ? `gateway store full: ${usedBytes} of ${limitBytes} bytes used by readings not yet in the cloud; ${lane} reading refused (nothing is deleted to make room)`
        : `gateway store nearly full: ${usedBytes} bytes used, waveform capture stops at ${limitBytes}; ${lane} reading refused`,
    );
    this.name = 'StoreFullError';
  }
}

export const NO_PATIENT_FLAG = 'no-patient';
/** Marks a reading whose patient was given by the nurse after the measurement. */
export const ASSIGNED_LATER_FLAG = 'patient-assigned-later';

const LANE_RANK: Record<Lane, number> = { alarm: 0, spot: 1, waveform: 2 };
const STATES: readonly ReadingState[] = ['held', 'pending', 'rejected'];

/** Count and bytes of readings per lane and state, kept in memory so caps and stats cost nothing. */
export type Tally = Record<Lane, Record<ReadingState, { n: number; b: number }>>;

function emptyTally(): Tally {
  const lane = () => ({ held: { n: 0, b: 0 }, pending: { n: 0, b: 0 }, rejected: { n: 0, b: 0 } });
  return { alarm: lane(), spot: lane(), waveform: lane() };
}

function lazyBatch(lane: Lane, json: string, seqs: number[], bytes: number): Batch {
  let parsed: Observation[] | undefined;
  return {
    lane,
    json,
    seqs,
    bytes,
    get observations() {
      parsed ??= JSON.parse(`[${json}]`) as Observation[];
      return parsed;
    },
  };
}
/**
 * An ack applied to a sequence range, in three statements that each walk the range on the primary
 * key and never cross into JavaScript per row (one `.run()` per reading and its returned row cost
 * ~3 µs of the burst path's CPU): the content keys kept, the tally of what leaves, the DELETE. All
 * three name the same rows (`seq BETWEEN ? AND ? AND +state = 'pending'`) inside one transaction,
 * so a held or rejected reading in the range is neither deleted nor remembered. `+state` keeps the
 * planner on the primary key: left to itself it took the (state, lane_rank, seq) index and walked
 * every pending reading for each ack — O(backlog): 43 µs per reading deleted on a 1,000,000-reading
 * backlog, 11 µs then.
 */
export const ACK_DELETE_SQL = `DELETE FROM readings WHERE seq BETWEEN ? AND ? AND +state = 'pending'`;
/** What an ack removes, per lane: [lane, count, bytes] (the in-memory tally follows the store). */
export const ACK_TALLY_SQL = `SELECT lane, COUNT(*), SUM(bytes) FROM readings WHERE seq BETWEEN ? AND ? AND +state = 'pending' GROUP BY lane`;
/** One reading's row: insertReadingsSql(1). */
export const INSERT_READING_SQL = insertReadingsSql(1);
/** Values per row of INSERT_READING_SQL, in its column order: the layout of the store's row buffer. */
const ROW_VALUES = 9;
/**
 * The most rows one INSERT carries (576 values); smaller runs go in halving sizes, so at most 7
 * statements exist (bench/support/store-floor.mjs inserts in the same runs).
 */
export const INSERT_RUN_ROWS = 64;
/** Rows' values, flat (better-sqlite3 binds an array's items as the statement's anonymous parameters). */
type RowValues = (string | number | null)[];
/**
 * `rows` readings in one INSERT: a transaction's readings cross from JavaScript in a few calls, not
 * one each (bench/support/store-floor.mjs times these and the ack's statements alone: the store's floor).
 */
export function insertReadingsSql(rows: number): string {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  return `INSERT INTO readings (seq, id, content_key, lane, lane_rank, state, observation, bytes, created_at) VALUES ${values}`;
}
/**
 * A content key already kept (row: seq, id, its JSON) or already synced (seq, id, null): one lookup
 * per reading instead of two.
 */
const KNOWN_KEY_SQL = `SELECT seq, id, observation FROM readings WHERE content_key = ?
  UNION ALL SELECT seq, id, NULL FROM synced_keys WHERE content_key = ? LIMIT 1`;
/** The content keys of the readings an ack removes, kept so a re-read after sync is still a duplicate. */
export const REMEMBER_KEYS_SQL = `INSERT OR IGNORE INTO synced_keys (content_key, seq, id, synced_at)
  SELECT content_key, seq, id, ? FROM readings WHERE seq BETWEEN ? AND ? AND +state = 'pending' AND content_key IS NOT NULL`;
const DAY_MS = 86_400_000;
/** A run of at least this many in-flight seqs is skipped with a new index seek rather than stepped over. */
const RESEEK_RUN = 32;
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
  /** The last id given out (meta.last_id, written with last_seq): the generator resumes after it. */
  private lastId = '';
  private readonly q;
  /**
   * One reading's work inside an open transaction: its row goes to `rows`, written by flush() before
   * the transaction commits (or before anything reads the table), so a reading that fails its checks
   * leaves nothing to undo in SQLite.
   */
  private readonly recordBody: (input: RecordInput) => RecordResult;
  /** Rows of the open transaction not inserted yet, ROW_VALUES values each (INSERT_READING_SQL's order). */
  private readonly rows: RowValues = [];
  /** The content keys of `rows`: a duplicate within one transaction is recognised before the flush. */
  private readonly bufferedKeys = new Map<string, LocalObservation>();
  /** Multi-row INSERTs by row count (powers of two up to INSERT_RUN_ROWS), prepared on first use. */
  private readonly insertRuns = new Map<number, Database.Statement<[RowValues]>>();
  private readonly recordTx: (input: RecordInput) => RecordResult;
  private readonly groupTx: <T>(fn: () => T) => T;
  private readonly markStoredTx: (ranges: SeqRanges) => number;
  private readonly assignTx: (seqs: readonly number[], patient: PatientRef) => { assigned: number[]; skipped: number[] };
  private readonly tally: Tally;
  /** Sum of the tally's bytes (pending, held and rejected of every lane). */
  private used = 0;
  private readonly maxBytes: number;
  private readonly waveformStopBytes: number;
  private readonly alarmRule: AlarmRule | undefined;
  private level: CapacityLevel = 'ok';
  /** The last sequence number given out, and the one meta.last_seq holds (written once per transaction). */
  private seq: number;
  private committedSeq: number;
  /** Cached answer of hasLegacyContentKeys(). */
  private legacyKeys: boolean | undefined;
  /** Inside group(): committed readings whose events wait for the outer commit. */
  private deferred: LocalObservation[] | null = null;

  constructor(opts: ReadingStoreOptions) {
    super();
    this.gatewayId = opts.gatewayId;
    this.clock = opts.clock ?? systemClock;
    this.alarmRule = opts.alarmRule;
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const ratio = opts.waveformStopRatio ?? 0.8;
    if (!(this.maxBytes > 0) || !(ratio > 0 && ratio <= 1)) throw new Error('store maxBytes must be > 0 and waveformStopRatio in (0, 1]');
    this.waveformStopBytes = Math.floor(this.maxBytes * ratio);
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
      migrate(db, undefined, opts.onMigration);
      this.claimGatewayId();
    } catch (e) {
      db.close();
      throw e;
    }

    this.q = {
      lastSeq: db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'last_seq'`),
      setLastSeq: db.prepare<[string]>(`UPDATE meta SET value = ? WHERE key = 'last_seq'`),
      lastId: db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'last_id'`),
      setLastId: db.prepare<[string]>(`UPDATE meta SET value = ? WHERE key = 'last_id'`),
      byKey: db.prepare<[string], ReadingRow>(`SELECT * FROM readings WHERE content_key = ?`),
      syncedKey: db.prepare<[string], { seq: number; id: string }>(`SELECT seq, id FROM synced_keys WHERE content_key = ?`),
      knownKey: db.prepare<[string, string], [number, string, string | null]>(KNOWN_KEY_SQL).raw(),
      // A recordMany() inside group() that throws: its rows already flushed (a reader in between) leave again.
      dropAfter: db.prepare<[number]>(`DELETE FROM readings WHERE seq > ?`),
      // Pending readings of a lane from the (state, lane_rank, seq) index, oldest first, after a seq
      // (nextBatch re-seeks past runs of readings already in flight instead of stepping over them),
      // with their texts: one pass, each row read once (its bytes and its JSON from the same table row).
      pendingInLane: db
        .prepare<[number, number], [number, number, string]>(
          `SELECT seq, bytes, observation FROM readings WHERE state = 'pending' AND lane_rank = ? AND seq > ? ORDER BY seq`,
        )
        .raw(),
      rememberKeys: db.prepare<[number, number, number]>(REMEMBER_KEYS_SQL),
      ackTally: db.prepare<[number, number], [Lane, number, number]>(ACK_TALLY_SQL).raw(),
      deleteStored: db.prepare<[number, number]>(ACK_DELETE_SQL),
      reject: db.prepare<[string, number], { lane: Lane; bytes: number }>(
        `UPDATE readings SET state = 'rejected', reject_reason = ? WHERE seq = ? AND state = 'pending' RETURNING lane, bytes`,
      ),
      bySeq: db.prepare<[number], ReadingRow>(`SELECT * FROM readings WHERE seq = ?`),
      heldBySeq: db.prepare<[number], ReadingRow>(`SELECT * FROM readings WHERE seq = ? AND state = 'held'`),
      release: db.prepare<[string, number, number]>(`UPDATE readings SET state = 'pending', observation = ?, bytes = ? WHERE seq = ?`),
      list: db.prepare<[ReadingState, number], ReadingRow>(`SELECT * FROM readings WHERE state = ? ORDER BY seq DESC LIMIT ?`),
      // Uses the (state, lane_rank, seq) index: the first by sequence is the oldest (seq follows time).
      oldest: db.prepare<[ReadingState, number], { created_at: number }>(
        `SELECT created_at FROM readings WHERE state = ? AND lane_rank = ? ORDER BY seq LIMIT 1`,
      ),
      pruneKeys: db.prepare<[number]>(`DELETE FROM synced_keys WHERE synced_at < ?`),
    };

    this.q.pruneKeys.run(this.clock.now() - (opts.syncedKeyRetentionMs ?? 400 * DAY_MS));
    this.tally = readTally(db);
    for (const lane of LANES) for (const st of STATES) this.used += this.tally[lane][st].b;
    this.level = this.levelFor(this.usedBytes());
    this.seq = Number(this.q.lastSeq.get()?.value ?? '0');
    this.committedSeq = this.seq;
    this.lastId = this.q.lastId.get()?.value ?? '';
    this.newId = uuidV7Generator(this.clock, this.lastId === '' ? undefined : this.lastId);

    this.recordBody = (input: RecordInput): RecordResult => {
      const key = input.contentKey;
      if (key !== undefined) {
        const buffered = this.bufferedKeys.get(key);
        if (buffered) return { duplicate: true, id: buffered.id, seq: buffered.seq, observation: buffered, synced: false };
        const known = this.q.knownKey.get(key, key);
        if (known) {
          const [seq, id, json] = known;
          if (json === null) return { duplicate: true, id, seq, observation: null, synced: true };
          return { duplicate: true, id, seq, observation: JSON.parse(json) as LocalObservation, synced: false };
        }
      }
      const seq = this.seq + 1;
      const held = input.patient === null;
      const alarm = input.lane === 'waveform' ? null : (this.alarmRule?.(input) ?? null);
      const lane: Lane = alarm === null ? input.lane : 'alarm';
      let flags = input.flags;
      if (held || alarm !== null) {
        const extra = [...input.flags];
        if (held) extra.push(NO_PATIENT_FLAG);
        if (alarm !== null) extra.push(alarm);
        flags = finishFlags(extra);
      }
      const id = this.newId();
      this.lastId = id;
      let observation: LocalObservation;
      if (input.id === '') {
        // The pipeline's fresh input: it becomes the observation (a refused one is never reused:
        // its id slot is no longer empty, so a retry is copied).
        const claimed = input as Claimed;
        claimed.id = id;
        claimed.seq = seq;
        claimed.gatewayId = this.gatewayId;
        claimed.flags = flags;
        claimed.lane = lane;
        observation = claimed;
      } else {
        const { id: _id, seq: _seq, gatewayId: _gatewayId, ...fields } = input;
        observation = { id, seq, gatewayId: this.gatewayId, ...fields, flags, lane };
      }
      const json = validated(observation);
      const bytes = Buffer.byteLength(json);
      this.checkRoom(lane, bytes);
      const state: ReadingState = held ? 'held' : 'pending';
      this.rows.push(seq, observation.id, key ?? null, lane, LANE_RANK[lane], state, json, bytes, this.clock.now());
      if (key !== undefined) this.bufferedKeys.set(key, observation);
      this.seq = seq;
      // A full run is written at once: its JSON texts (~600 bytes each) then die young instead of
      // being copied by the scavenger until the burst commits (2 MiB semi-spaces: --max-semi-space-size=2).
      if (this.rows.length === INSERT_RUN_ROWS * ROW_VALUES) this.flush();
      // Counted only once the transaction commits (see tracked()); a rollback leaves the tally alone.
      this.tallyChange(lane, state, 1, bytes);
      return { duplicate: false, observation };
    };

    // meta.last_seq and last_id are written once per transaction, before its commit: a seq is never
    // reused, and an id is always greater than the ones before it (the ids' uniqueness: no index holds it).
    const saveSeq = () => {
      if (this.seq === this.committedSeq) return;
      this.q.setLastSeq.run(String(this.seq));
      this.q.setLastId.run(this.lastId);
    };
    this.recordTx = db.transaction((input: RecordInput): RecordResult => {
      const r = this.recordBody(input);
      this.flush();
      saveSeq();
      return r;
    });

    this.groupTx = db.transaction(<T>(fn: () => T): T => {
      const r = fn();
      this.flush();
      saveSeq();
      return r;
    }) as <T>(fn: () => T) => T;

    this.markStoredTx = db.transaction((ranges: SeqRanges): number => {
      this.flush();
      const now = this.clock.now();
      let removed = 0;
      for (const [a, b] of ranges) {
        const first = Math.min(a, b);
        const last = Math.max(a, b);
        this.q.rememberKeys.run(now, first, last);
        let leaving = 0;
        for (const [lane, n, bytes] of this.q.ackTally.all(first, last)) {
          leaving += n;
          this.tallyChange(lane, 'pending', -n, -bytes);
        }
        const deleted = this.q.deleteStored.run(first, last).changes;
        // Same rows by construction (one synchronous transaction); a mismatch rolls the ack back.
        if (deleted !== leaving) throw new Error(`ack of seqs ${first}-${last}: counted ${leaving} pending readings, deleted ${deleted}`);
        removed += deleted;
      }
      return removed;
    });

    this.assignTx = db.transaction((seqs: readonly number[], patient: PatientRef) => {
      this.flush();
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
        const bytes = Buffer.byteLength(json);
        this.q.release.run(json, bytes, seq);
        this.tallyChange(row.lane, 'held', -1, -row.bytes);
        this.tallyChange(row.lane, 'pending', 1, bytes);
        assigned.push(seq);
      }
      return { assigned, skipped };
    });
  }

  /** Tally changes of the transaction under way (applied on commit, dropped on rollback). */
  private pendingTally: { lane: Lane; state: ReadingState; n: number; bytes: number }[] = [];
  /**
   * The sum of pendingTally's bytes, kept as it changes: checkRoom needs it for each reading, and
   * summing the list there cost O(n²) in a burst's transaction (n = 1,000 readings: 5 % of the
   * burst path's CPU under --lite-mode).
   */
  private pendingTallyBytes = 0;

  private tallyChange(lane: Lane, state: ReadingState, n: number, bytes: number): void {
    this.pendingTally.push({ lane, state, n, bytes });
    this.pendingTallyBytes += bytes;
  }

  /** Drops the tally changes from `mark` on (a rollback) or all of them (after a commit). */
  private dropTally(mark = 0): void {
    if (mark === 0) {
      this.pendingTally = [];
      this.pendingTallyBytes = 0;
      return;
    }
    for (let i = mark; i < this.pendingTally.length; i++) this.pendingTallyBytes -= this.pendingTally[i]?.bytes ?? 0;
    this.pendingTally.length = mark;
  }

  /**
   * Gives the reading its identity and commits it, or returns the reading already stored (or
   * already synced) under the same content key. Throws InvalidReadingError or StoreFullError
   * before writing anything. Inside group(), the commit is the group's.
   */
  record(input: RecordInput): RecordResult {
    let r: RecordResult;
    try {
      r = this.deferred !== null ? this.recordBody(input) : this.tracked(() => this.recordTx(input));
    } catch (e) {
      if (e instanceof StoreFullError) {
        this.emit('refused', { lane: e.lane, error: e });
        this.updateLevel(e.level);
      }
      throw e;
    }
    if (!r.duplicate) {
      if (this.deferred !== null) this.deferred.push(r.observation);
      else this.emit('recorded', r.observation);
    }
    return r;
  }

  /**
   * Records readings that belong together (the SpO2 and pulse rate of one notification, the value
   * and HbA1c of one glucose record, a burst) in one transaction: all or nothing. An invalid
   * reading or a full store throws and leaves none of them written, also inside group(), where
   * they get a savepoint of their own: the group's other readings are kept.
   */
  recordMany(inputs: readonly RecordInput[]): RecordResult[] {
    const deferred = this.deferred;
    if (deferred === null) return this.group(() => inputs.map((i) => this.record(i)));
    // No savepoint: a reading's checks all run before its row is buffered, and the rows reach
    // SQLite only at flush(), so undoing the readings of this call is forgetting their rows.
    const tallyMark = this.pendingTally.length;
    const seqMark = this.seq;
    const deferredMark = deferred.length;
    try {
      return inputs.map((i) => this.record(i));
    } catch (e) {
      this.dropTally(tallyMark);
      this.dropRowsAfter(seqMark);
      this.seq = seqMark;
      deferred.length = deferredMark;
      throw e;
    }
  }

  /**
   * Writes the buffered rows of the open transaction: a run of INSERT_RUN_ROWS rows as soon as it is
   * full, the rest in halving sizes (1,000 readings: 15 runs of 64, then 32 and 8). Called before a
   * commit and before any read of the table.
   */
  private flush(): void {
    const rows = this.rows;
    const total = rows.length / ROW_VALUES;
    if (total === 0) return;
    let done = 0;
    for (let size = INSERT_RUN_ROWS; size >= 1; size >>= 1) {
      while (total - done >= size) {
        const values = size === total ? rows : rows.slice(done * ROW_VALUES, (done + size) * ROW_VALUES);
        this.insertRun(size).run(values);
        done += size;
      }
    }
    rows.length = 0;
    this.bufferedKeys.clear();
  }

  private insertRun(size: number): Database.Statement<[RowValues]> {
    let stmt = this.insertRuns.get(size);
    if (stmt === undefined) {
      stmt = this.db.prepare<[RowValues]>(insertReadingsSql(size));
      this.insertRuns.set(size, stmt);
    }
    return stmt;
  }

  /** Forgets the readings numbered after `seq` in this transaction: buffered rows, and rows a read had flushed. */
  private dropRowsAfter(seq: number): void {
    const rows = this.rows;
    while (rows.length > 0 && (rows[rows.length - ROW_VALUES] as number) > seq) {
      const key = rows[rows.length - ROW_VALUES + 2];
      if (typeof key === 'string') this.bufferedKeys.delete(key);
      rows.length -= ROW_VALUES;
    }
    this.q.dropAfter.run(seq);
  }

  /**
   * Runs `fn` in one transaction: every record() it makes is committed together when it returns
   * (or rolled back if it throws). 'recorded' events fire after the commit, so the sync client
   * never sees a reading before it is on disk.
   */
  group<T>(fn: () => T): T {
    if (this.deferred !== null) return fn();
    const deferred: LocalObservation[] = [];
    this.deferred = deferred;
    let result: T;
    try {
      result = this.tracked(() => this.groupTx(fn));
    } finally {
      this.deferred = null;
    }
    for (const o of deferred) this.emit('recorded', o);
    return result;
  }

  /**
   * The next batch to send: pending readings of the highest-priority lane that has any (among
   * `lanes`), oldest first, skipping `exclude` (already in flight), within maxCount and maxBytes
   * (a single reading larger than maxBytes still goes alone, or it would block its lane forever).
   * `maxBytesByLane` narrows maxBytes for some lanes (small waveform batches keep alarms fast).
   */
  nextBatch(
    maxCount: number,
    maxBytes: number,
    opts: { exclude?: ReadonlySet<number>; lanes?: readonly Lane[]; maxBytesByLane?: Partial<Record<Lane, number>> } = {},
  ): Batch | null {
    this.flush();
    const lanes = opts.lanes ?? LANES;
    for (const lane of LANES) {
      if (!lanes.includes(lane) || this.tally[lane].pending.n === 0) continue;
      const limit = Math.min(maxBytes, opts.maxBytesByLane?.[lane] ?? maxBytes);
      const seqs: number[] = [];
      const texts: string[] = [];
      let bytes = 0;
      const exclude = opts.exclude;
      let after = 0;
      let full = false;
      while (!full) {
        let reseek = false;
        for (const [seq, size, text] of this.q.pendingInLane.iterate(LANE_RANK[lane], after)) {
          if (exclude?.has(seq)) {
            // In-flight readings come in runs of consecutive seqs (whole batches): probing the set
            // is far cheaper than stepping the index over each (8 batches of 1,000 on a drain).
            let next = seq + 1;
            while (exclude.has(next)) next++;
            if (next - seq >= RESEEK_RUN) {
              after = next - 1;
              reseek = true;
              break;
            }
            continue;
          }
          if (seqs.length >= maxCount || (seqs.length > 0 && bytes + size > limit)) {
            full = true;
            break;
          }
          seqs.push(seq);
          texts.push(text);
          bytes += size;
        }
        if (!reseek) break;
      }
      if (seqs.length > 0) return lazyBatch(lane, texts.join(','), seqs, bytes);
    }
    return null;
  }

  /** The cloud durably stored these: delete them, remembering their content keys. Returns how many left. */
  markStored(ranges: SeqRanges): number {
    const removed = this.tracked(() => this.markStoredTx(ranges));
    if (removed > 0) this.emit('stored', removed);
    return removed;
  }

  /** The cloud refused this reading: quarantine it (kept for inspection, never resent silently). */
  markRejected(seq: number, reason: string): boolean {
    this.flush();
    const row = this.q.reject.get(reason.slice(0, 300), seq);
    if (!row) return false;
    const t = this.tally[row.lane];
    t.pending.n--;
    t.pending.b -= row.bytes;
    t.rejected.n++;
    t.rejected.b += row.bytes;
    return true;
  }

  held(limit = 1000): StoredReading[] {
    return this.list('held', limit);
  }

  /** Readings in a state, newest first. */
  list(state: ReadingState, limit = 100): StoredReading[] {
    this.flush();
    return this.q.list.all(state, limit).map(toStored);
  }

  get(seq: number): StoredReading | undefined {
    this.flush();
    const row = this.q.bySeq.get(seq);
    return row ? toStored(row) : undefined;
  }

  /** Whether a reading with this content key is kept, or was synced and its key remembered. */
  hasContentKey(key: string): boolean {
    return this.bufferedKeys.has(key) || this.q.byKey.get(key) !== undefined || this.q.syncedKey.get(key) !== undefined;
  }

  /**
   * Whether the store holds any content key of format 1 (no '|v' or '|h' part: written by a release
   * before the keys carried the values). Only then do the upgrade-only checks run; a new gateway, or
   * one whose old keys have aged out, never pays for them. Read once: old keys are never written again.
   */
  hasLegacyContentKeys(): boolean {
    this.legacyKeys ??=
      this.db
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM readings WHERE content_key NOT LIKE '%|v%' AND content_key NOT LIKE '%|h%')
              OR EXISTS (SELECT 1 FROM synced_keys WHERE content_key NOT LIKE '%|v%' AND content_key NOT LIKE '%|h%')`,
        )
        .pluck()
        .get() === 1;
    return this.legacyKeys;
  }

  /** The nurse names the patient of held readings: they become pending. Seqs not held are skipped. */
  assignPatient(seqs: readonly number[], patient: PatientRef): { assigned: number[]; skipped: number[] } {
    const r = this.tracked(() => this.assignTx(seqs, patient));
    if (r.assigned.length > 0) this.emit('assigned', r.assigned);
    return r;
  }

  /** Backlog and fill level, from in-memory tallies plus one indexed lookup per lane and state. */
  stats(): StoreStats {
    this.flush();
    const lanes = {} as Record<Lane, LaneStats>;
    const s: StoreStats = {
      pending: 0,
      held: 0,
      rejected: 0,
      bytes: 0,
      oldestPendingAt: null,
      oldestUnsyncedAt: null,
      lanes,
      capacity: this.capacity(),
    };
    const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    for (const lane of LANES) {
      const t = this.tally[lane];
      const oldestPending = t.pending.n > 0 ? (this.q.oldest.get('pending', LANE_RANK[lane])?.created_at ?? null) : null;
      const oldestHeld = t.held.n > 0 ? (this.q.oldest.get('held', LANE_RANK[lane])?.created_at ?? null) : null;
      lanes[lane] = {
        pending: t.pending.n,
        held: t.held.n,
        rejected: t.rejected.n,
        bytes: t.pending.b + t.held.b,
        oldestUnsyncedAt: min(oldestPending, oldestHeld),
      };
      s.pending += t.pending.n;
      s.held += t.held.n;
      s.rejected += t.rejected.n;
      s.bytes += t.pending.b + t.held.b;
      s.oldestPendingAt = min(s.oldestPendingAt, oldestPending);
      s.oldestUnsyncedAt = min(s.oldestUnsyncedAt, lanes[lane].oldestUnsyncedAt);
    }
    return s;
  }

  capacity(): StoreCapacity {
    return { usedBytes: this.usedBytes(), maxBytes: this.maxBytes, waveformStopBytes: this.waveformStopBytes, level: this.level };
  }

  /** The last sequence number given out (0 for a new store). */
  lastSeq(): number {
    return this.seq;
  }

  /** A small document the gateway keeps across restarts (the cloud's last good agenda, …), by key; undefined when none. */
  loadMeta(key: `doc:${string}`): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  }

  saveMeta(key: `doc:${string}`, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  pragma(name: 'journal_mode' | 'synchronous' | 'user_version'): unknown {
    return this.db.pragma(name, { simple: true });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The tally's bytes, all lanes and states: kept as the tally changes (checkRoom reads it for each reading). */
  private usedBytes(): number {
    return this.used;
  }

  private levelFor(used: number): CapacityLevel {
    if (used >= this.maxBytes) return 'full';
    if (used >= this.waveformStopBytes) return 'near-full';
    return 'ok';
  }

  /** Inside the record transaction: refuse (throw, rolling back) rather than grow past a cap. */
  private checkRoom(lane: Lane, bytes: number): void {
    if (this.maxBytes === Number.POSITIVE_INFINITY) return;
    const used = this.usedBytes() + this.pendingTallyBytes;
    if (used + bytes > this.maxBytes) throw new StoreFullError('full', lane, used, this.maxBytes);
    if (lane === 'waveform' && used + bytes > this.waveformStopBytes)
      throw new StoreFullError('near-full', lane, used, this.waveformStopBytes);
  }

  /**
   * Runs a top-level write transaction, then applies its tally changes (only if it committed) and
   * announces a change of fill level.
   */
  private tracked<T>(fn: () => T): T {
    this.dropTally();
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.dropTally();
      this.seq = this.committedSeq;
      // The transaction was rolled back: rows not written yet go with it.
      this.rows.length = 0;
      this.bufferedKeys.clear();
      throw e;
    }
    this.committedSeq = this.seq;
    for (const p of this.pendingTally) {
      const t = this.tally[p.lane][p.state];
      t.n += p.n;
      t.b += p.bytes;
      this.used += p.bytes;
    }
    this.dropTally();
    this.updateLevel();
    return result;
  }

  /** `refused`: a reading was just refused at that level, so the store is at least that full even if not to the byte. */
  private updateLevel(refused?: Exclude<CapacityLevel, 'ok'>): void {
    const rank: Record<CapacityLevel, number> = { ok: 0, 'near-full': 1, full: 2 };
    const used = this.usedBytes();
    let level = this.levelFor(used);
    if (refused !== undefined && rank[refused] > rank[level]) level = refused;
    // Hysteresis: the alarm clears only once clearly below its threshold, not at every byte freed.
    if (rank[level] < rank[this.level]) {
      const clearBelow = this.level === 'full' ? 0.95 * this.maxBytes : 0.9 * this.waveformStopBytes;
      if (used >= clearBelow) return;
    }
    if (level === this.level) return;
    const previous = this.level;
    this.level = level;
    this.emit('capacity', { level, previous, capacity: this.capacity() });
  }

  /** A data dir belongs to one gateway: its sequence numbers mean nothing under another id. */
  private claimGatewayId(): void {
    const row = this.db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'gateway_id'`).get();
    if (!row) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('gateway_id', ?)`).run(this.gatewayId);
    else if (row.value !== this.gatewayId)
      throw new Error(`store ${this.file} belongs to gateway "${row.value}", not "${this.gatewayId}"; use another data directory`);
  }
}

/** Count and bytes per lane and state, as stored (one scan at open). */
export function readTally(db: Database.Database): Tally {
  const tally = emptyTally();
  const rows = db
    .prepare<[], { lane: Lane; state: ReadingState; n: number; b: number }>(
      `SELECT lane, state, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM readings GROUP BY lane, state`,
    )
    .all();
  for (const r of rows) tally[r.lane][r.state] = { n: r.n, b: r.b };
  return tally;
}
