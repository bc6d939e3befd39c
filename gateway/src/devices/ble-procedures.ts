/**
 * What the gateway does on each fresh BLE connection, driven by the device's definition:
 *  1. check the device clock (Current Time 0x2A2B or Date Time 0x2A08) against the gateway's time in
 *     the configured zone; beyond the definition's tolerance, readings are corrected by the offset;
 *  2. download stored records through the Record Access Control Point: "number of stored records"
 *     then "report stored records" ≥ cursor (or all), wait for the RACP response, check that the
 *     meter's numbering did not restart (record-numbering.ts; if it did: warn, note it, download all),
 *     then advance the per-device cursor to the newest record number committed to the store;
 *  3. set the clock where the definition allows it (after the download, so stored records keep the
 *     offset they were taken with); when the write is refused, readings stay corrected.
 * Every failure is logged and ends the procedure; the connection and live readings go on.
 */
import {
  type BleDeviceLink,
  type Clock,
  type CurrentTimeCapability,
  capabilityOf,
  currentTimeFromEpoch,
  currentTimeOf,
  type DeviceDateTime,
  type DriftPolicy,
  decodeCurrentTime,
  decodeDateTime,
  decodeRacpIndication,
  encodeCurrentTime,
  encodeDateTime,
  encodeRacpRequest,
  epochToZonedFields,
  quirkOf,
  type RacpFilter,
  type RacpIndication,
  type RecordAccessCapability,
  zonedToEpochMs,
  zoneOffsetMs,
} from '@telecart/devices';
import type { Logger } from '../logger.js';
import type { DeviceManager } from './device-manager.js';
import type { DeviceStateStore } from './device-state-store.js';
import {
  cursorAfter,
  judgeRecordNumbering,
  type NumberingFacts,
  type NumberingVerdict,
  nearTop,
  type RecordOutcome,
  WRAP_WINDOW,
} from './record-numbering.js';

export interface BleProceduresOptions {
  devices: DeviceManager;
  state: DeviceStateStore;
  timeZone: string;
  clock: Clock;
  logger: Logger;
  /** Per device id or definition id: overrides the definition's drift policy. */
  driftPolicyFor?(deviceId: string, definitionId: string | undefined): Partial<DriftPolicy> | undefined;
}

export interface DownloadResult {
  requested: RacpFilter;
  count?: number;
  response: string;
  cursorBefore?: number;
  cursorAfter?: number;
  /** The numbering check when a cursor was used (a reset is followed by a download of all records). */
  numbering?: NumberingVerdict;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class BleProcedures {
  /** Settles when the latest procedure run of each device is over (tests, shutdown). */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: BleProceduresOptions) {}

  /** Hook for BleCentral: starts the procedures of a fresh connection; never throws. */
  onConnected(link: BleDeviceLink): void {
    const run = this.run(link).catch((e: unknown) => {
      if (!link.signal.aborted) this.opts.logger.warn({ deviceId: link.deviceId, err: errorText(e) }, 'BLE procedure failed');
    });
    this.running.set(link.deviceId, run);
  }

  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private async run(link: BleDeviceLink): Promise<void> {
    const definition = link.definition;
    if (!definition) return;
    // A restart of the device's record numbering seen before (maybe by an earlier run): shown with the device.
    const reset = this.opts.state.numberingReset(link.deviceId);
    if (reset) this.opts.devices.noteNumberingReset(link.deviceId, reset);
    const cts = currentTimeOf(definition);
    const offset = cts && link.has(cts.uuid) ? await this.checkClock(link, cts) : undefined;
    const racp = capabilityOf(definition, 'record-access');
    if (racp && link.has(racp.uuid)) await this.download(link, racp);
    if (cts && offset !== undefined) await this.setClock(link, cts, offset);
  }

  private policy(link: BleDeviceLink, cts: CurrentTimeCapability): DriftPolicy {
    return { ...cts.driftPolicy, ...this.opts.driftPolicyFor?.(link.deviceId, link.definition?.id) };
  }

  /** Reads the device clock; returns the offset (device − gateway, ms) when beyond tolerance. */
  private async checkClock(link: BleDeviceLink, cts: CurrentTimeCapability): Promise<number | undefined> {
    const bytes = await link.read(cts.uuid);
    const now = this.opts.clock.now();
    let fields: DeviceDateTime;
    if (cts.uuid.toUpperCase() === '2A2B') {
      const r = decodeCurrentTime(bytes);
      if (!r.ok) throw new Error(`Current Time unreadable: ${r.error.field}: ${r.error.reason}`);
      fields = r.value.dateTime;
    } else {
      const r = decodeDateTime(bytes);
      if (!r.ok) throw new Error(`Date Time unreadable: ${r.error.field}: ${r.error.reason}`);
      if (r.value.status !== 'complete') throw new Error(`Date Time not set on the device (${r.value.status})`);
      fields = r.value.fields;
    }
    const offsetMs = zonedToEpochMs(fields, this.opts.timeZone) - now;
    const policy = this.policy(link, cts);
    if (Math.abs(offsetMs) <= policy.toleranceMs) {
      this.opts.devices.setClockState(link.deviceId, 'ok', offsetMs);
      return undefined;
    }
    // Until it is set (if ever), readings from this device are corrected by the measured offset.
    this.opts.devices.setClockState(link.deviceId, 'correcting', offsetMs);
    this.opts.logger.info({ deviceId: link.deviceId, offsetMs, toleranceMs: policy.toleranceMs }, 'device clock off; readings corrected');
    return offsetMs;
  }

  private async setClock(link: BleDeviceLink, cts: CurrentTimeCapability, offsetMs: number): Promise<void> {
    const definition = link.definition;
    const policy = this.policy(link, cts);
    const allowed = cts.writable && policy.action === 'write-then-correct' && !(definition && quirkOf(definition, 'refuses-time-write'));
    if (!allowed) {
      this.opts.logger.info({ deviceId: link.deviceId, offsetMs }, 'device clock not writable by definition; readings stay corrected');
      return;
    }
    const now = this.opts.clock.now();
    const local = epochToZonedFields(now, this.opts.timeZone);
    const bytes =
      cts.uuid.toUpperCase() === '2A2B'
        ? encodeCurrentTime(currentTimeFromEpoch(now, Math.round(zoneOffsetMs(now, this.opts.timeZone) / 60_000), { manualUpdate: true }))
        : encodeDateTime(local);
    try {
      await link.write(cts.uuid, bytes);
    } catch (e) {
      this.opts.logger.warn(
        { deviceId: link.deviceId, offsetMs, err: errorText(e) },
        'device refused the clock write; readings stay corrected',
      );
      return;
    }
    this.opts.devices.setClockState(link.deviceId, 'written', offsetMs);
    this.opts.logger.info({ deviceId: link.deviceId, offsetMs }, 'device clock set');
  }

  /** One RACP request → its answer (number of records, or the response code), bounded in time. */
  private async request(link: BleDeviceLink, racp: RecordAccessCapability, bytes: Uint8Array): Promise<RacpIndication> {
    return new Promise<RacpIndication>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no RACP response within ${racp.responseTimeoutMs} ms`)), racp.responseTimeoutMs);
      const onAbort = () => finish(new Error('link lost during RACP procedure'));
      const off = link.onNotification(racp.uuid, (pdu) => {
        const r = decodeRacpIndication(pdu);
        if (!r.ok) {
          this.opts.logger.warn(
            { deviceId: link.deviceId, err: `${r.error.field}: ${r.error.reason}` },
            'malformed RACP indication skipped',
          );
          return;
        }
        finish(undefined, r.value);
      });
      link.signal.addEventListener('abort', onAbort, { once: true });
      function finish(e: Error | undefined, v?: RacpIndication) {
        clearTimeout(timer);
        off();
        link.signal.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(v as RacpIndication);
      }
      link.write(racp.uuid, bytes).catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    });
  }

  /**
   * One RACP fetch: "number of stored records" first when the definition says so (0 → nothing
   * replayed), then "report stored records", waiting for the response. Returns what the store made
   * of each replayed record.
   */
  private async fetch(link: BleDeviceLink, racp: RecordAccessCapability, filter: RacpFilter, countFirst: boolean): Promise<Fetched> {
    const { devices } = this.opts;
    let count: number | undefined;
    if (countFirst) {
      const answer = await this.request(link, racp, encodeRacpRequest({ opCode: 'report-number-of-stored-records', filter }));
      if (answer.kind === 'response' && answer.code === 'operator-not-supported') return { filter, response: answer.code, seen: new Map() };
      if (answer.kind === 'number-of-records') count = answer.count;
      if (count === 0) return { filter, count, response: 'no-records', seen: new Map() };
    }
    devices.setDownloading(link.deviceId, true);
    let answer: RacpIndication;
    try {
      answer = await this.request(link, racp, encodeRacpRequest({ opCode: 'report-stored-records', filter }));
      // Records came before the response; a measurement still waiting for its context is stored now.
      devices.flushDevice(link.deviceId);
    } finally {
      devices.setDownloading(link.deviceId, false);
    }
    const response = answer.kind === 'response' ? String(answer.code) : answer.kind;
    return { filter, ...(count !== undefined ? { count } : {}), response, seen: new Map(devices.downloadedRecords(link.deviceId)) };
  }

  /** Number of stored records a filter selects, or undefined when the meter does not answer with one. */
  private async countOf(link: BleDeviceLink, racp: RecordAccessCapability, filter: RacpFilter): Promise<number | undefined> {
    const answer = await this.request(link, racp, encodeRacpRequest({ opCode: 'report-number-of-stored-records', filter }));
    return answer.kind === 'number-of-records' ? answer.count : undefined;
  }

  /**
   * Downloads what the meter stored since the cursor, checking first that its numbering did not
   * restart (record-numbering.ts): "≥ cursor" (the record at the cursor is the fingerprint), then,
   * if nothing came, the last record; near 0xFFFF the count of small numbers. A restart is logged,
   * kept in the device state, and followed by a download of all records (content keys drop the known).
   */
  async download(link: BleDeviceLink, racp: RecordAccessCapability): Promise<DownloadResult> {
    const { state, devices, logger } = this.opts;
    const deviceId = link.deviceId;
    // UPGRADE-ONLY: a cursor written by a release with format-1 content keys (content-key.ts). Its
    // first download also recognises the records that release stored by their legacy keys, then the
    // cursor is rewritten as the current format and the legacy check never runs again for the device.
    const legacyCursor = state.keyFormat(deviceId) === 1 ? state.cursor(deviceId) : undefined;
    if (legacyCursor === undefined) return this.downloadRecords(link, racp);
    devices.setLegacyKeyCursor(deviceId, legacyCursor);
    try {
      const r = await this.downloadRecords(link, racp);
      if (completed(r.response)) {
        state.markKeyFormatCurrent(deviceId);
        logger.info(
          { deviceId, cursor: legacyCursor },
          'RACP: first download after the content-key upgrade; cursor now in the current format',
        );
      }
      return r;
    } finally {
      devices.setLegacyKeyCursor(deviceId, undefined);
    }
  }

  private async downloadRecords(link: BleDeviceLink, racp: RecordAccessCapability): Promise<DownloadResult> {
    const { state, logger } = this.opts;
    const deviceId = link.deviceId;
    const cursorBefore = state.cursor(deviceId);
    const allOnly = racp.filter === 'all' || (link.definition !== undefined && quirkOf(link.definition, 'racp-all-only') !== undefined);
    if (allOnly || cursorBefore === undefined) return this.downloadAll(link, racp, cursorBefore, cursorBefore);
    const fromCursor = await this.fetch(link, racp, { operator: 'gte', sequenceNumber: cursorBefore }, racp.countFirst);
    if (fromCursor.response === 'operator-not-supported') {
      // Known from the field: some meters only do "all"; content keys drop what we already have.
      logger.info({ deviceId }, 'RACP "≥ sequence" not supported; asking for all records');
      return this.downloadAll(link, racp, cursorBefore, cursorBefore);
    }
    if (!completed(fromCursor.response)) return this.notCompleted(link, fromCursor, cursorBefore);
    const facts: NumberingFacts = { cursor: cursorBefore, fromCursor: fromCursor.seen };
    if (fromCursor.seen.size === 0) {
      const last = await this.fetch(link, racp, { operator: 'last' }, false);
      const newest = cursorAfter(undefined, last.seen.keys());
      if (last.response === 'no-records-found') facts.last = 'empty';
      else if (newest !== undefined) facts.last = { recordNumber: newest, outcome: last.seen.get(newest) ?? 'new' };
    }
    if (nearTop(cursorBefore)) {
      const lowCount = await this.countOf(link, racp, { operator: 'lte', sequenceNumber: WRAP_WINDOW });
      if (lowCount !== undefined) facts.lowCount = lowCount;
    }
    const verdict = judgeRecordNumbering(facts);
    if (verdict.action === 'forget-cursor') {
      state.reset(deviceId);
      logger.info({ deviceId, cursor: cursorBefore }, 'RACP: the meter holds no records; cursor cleared, the next download asks for all');
      return { requested: fromCursor.filter, response: 'no-records-found', cursorBefore, numbering: verdict };
    }
    if (verdict.action === 'reset') {
      const reset = {
        reason: verdict.reason,
        oldCursor: cursorBefore,
        ...(verdict.meterLast !== undefined ? { meterLast: verdict.meterLast } : {}),
      };
      logger.warn(
        { deviceId, ...reset },
        'RACP record numbering restarted on the meter (reset, replaced or wrapped): cursor cleared, downloading all records',
      );
      state.reset(deviceId);
      this.opts.devices.noteNumberingReset(deviceId, state.noteNumberingReset(deviceId, reset));
      // Renumbered: an old number now names another measurement, so a legacy key proves nothing (upgrade-only check off).
      // Wrapped: the numbers behind the old cursor are still the old records.
      if (verdict.reason === 'renumbered') this.opts.devices.setLegacyKeyCursor(deviceId, undefined);
      // After a wrap the new numbers are ahead of the old cursor in serial-number order; after a restart, the highest.
      const base = verdict.reason === 'wrapped' ? cursorBefore : undefined;
      return { ...(await this.downloadAll(link, racp, cursorBefore, base)), numbering: verdict };
    }
    const ahead = cursorAfter(cursorBefore, fromCursor.seen.keys());
    const after = ahead !== undefined && ahead !== cursorBefore ? state.advance(deviceId, ahead) : cursorBefore;
    const fresh = [...fromCursor.seen.values()].filter((o) => o === 'new').length;
    const log = { deviceId, filter: fromCursor.filter, count: fromCursor.count, response: fromCursor.response, fresh, cursorBefore };
    if (fresh === 0 && after === cursorBefore) logger.info({ ...log, cursor: cursorBefore }, 'RACP: no new stored records');
    else logger.info({ ...log, cursorAfter: after }, 'RACP download complete');
    return result(fromCursor, cursorBefore, after, verdict);
  }

  /** "All records"; the cursor moves to the record furthest ahead of `base` (the highest without one). */
  private async downloadAll(
    link: BleDeviceLink,
    racp: RecordAccessCapability,
    cursorBefore: number | undefined,
    base: number | undefined,
  ): Promise<DownloadResult> {
    const { state, logger } = this.opts;
    const all = await this.fetch(link, racp, { operator: 'all' }, racp.countFirst);
    if (!completed(all.response)) return this.notCompleted(link, all, cursorBefore);
    const ahead = cursorAfter(base, all.seen.keys());
    const after = ahead !== undefined ? state.advance(link.deviceId, ahead) : state.cursor(link.deviceId);
    const log = { deviceId: link.deviceId, filter: all.filter, count: all.count, response: all.response, cursorBefore };
    if (all.count === 0) logger.info({ ...log, cursor: after }, 'RACP: no new stored records');
    else logger.info({ ...log, cursorAfter: after }, 'RACP download complete');
    return result(all, cursorBefore, after);
  }

  private notCompleted(link: BleDeviceLink, f: Fetched, cursorBefore: number | undefined): DownloadResult {
    this.opts.logger.warn({ deviceId: link.deviceId, filter: f.filter, response: f.response }, 'RACP download not completed; cursor kept');
    return result(f, cursorBefore, undefined);
  }
}

interface Fetched {
  filter: RacpFilter;
  count?: number;
  response: string;
  seen: ReadonlyMap<number, RecordOutcome>;
}

/** The report ended normally ('no-records': the count said 0 and nothing was asked). */
function completed(response: string): boolean {
  return response === 'success' || response === 'no-records-found' || response === 'no-records';
}

function result(f: Fetched, cursorBefore: number | undefined, after: number | undefined, numbering?: NumberingVerdict): DownloadResult {
  return {
    requested: f.filter,
    ...(f.count !== undefined ? { count: f.count } : {}),
    response: f.response,
    ...(cursorBefore !== undefined ? { cursorBefore } : {}),
    ...(after !== undefined ? { cursorAfter: after } : {}),
    ...(numbering ? { numbering } : {}),
  };
}
