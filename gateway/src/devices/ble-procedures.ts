/**
 * What the gateway does on each fresh BLE connection, driven by the device's definition:
 *  1. check the device clock (Current Time 0x2A2B or Date Time 0x2A08) against the gateway's time in
 *     the configured zone; beyond the definition's tolerance, readings are corrected by the offset;
 *  2. download stored records through the Record Access Control Point: "number of stored records"
 *     then "report stored records" ≥ cursor+1 (or all), wait for the RACP response, then advance the
 *     per-device cursor to the highest record number committed to the store;
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

  async download(link: BleDeviceLink, racp: RecordAccessCapability): Promise<DownloadResult> {
    const { devices, state, logger } = this.opts;
    const cursorBefore = state.cursor(link.deviceId);
    const allOnly = racp.filter === 'all' || (link.definition !== undefined && quirkOf(link.definition, 'racp-all-only') !== undefined);
    let filter: RacpFilter =
      !allOnly && cursorBefore !== undefined
        ? { operator: 'gte', sequenceNumber: Math.min(cursorBefore + 1, 0xffff) }
        : { operator: 'all' };
    let count: number | undefined;
    if (racp.countFirst) {
      let answer = await this.request(link, racp, encodeRacpRequest({ opCode: 'report-number-of-stored-records', filter }));
      if (answer.kind === 'response' && filter.operator === 'gte' && answer.code === 'operator-not-supported') {
        // Known from the field: some meters only do "all"; content keys drop what we already have.
        logger.info({ deviceId: link.deviceId }, 'RACP "≥ sequence" not supported; asking for all records');
        filter = { operator: 'all' };
        answer = await this.request(link, racp, encodeRacpRequest({ opCode: 'report-number-of-stored-records', filter }));
      }
      if (answer.kind === 'number-of-records') count = answer.count;
      if (count === 0) {
        logger.info({ deviceId: link.deviceId, filter, cursor: cursorBefore }, 'RACP: no new stored records');
        return {
          requested: filter,
          count,
          response: 'no-records',
          ...(cursorBefore !== undefined ? { cursorBefore, cursorAfter: cursorBefore } : {}),
        };
      }
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
    if (answer.kind === 'response' && answer.code !== 'success' && answer.code !== 'no-records-found') {
      logger.warn({ deviceId: link.deviceId, filter, response }, 'RACP download not completed; cursor kept');
      return {
        requested: filter,
        ...(count !== undefined ? { count } : {}),
        response,
        ...(cursorBefore !== undefined ? { cursorBefore } : {}),
      };
    }
    const highest = devices.highestCommittedRecord(link.deviceId);
    const cursorAfter = highest !== undefined ? state.advance(link.deviceId, highest) : cursorBefore;
    logger.info({ deviceId: link.deviceId, filter, count, response, cursorBefore, cursorAfter }, 'RACP download complete');
    return {
      requested: filter,
      ...(count !== undefined ? { count } : {}),
      response,
      ...(cursorBefore !== undefined ? { cursorBefore } : {}),
      ...(cursorAfter !== undefined ? { cursorAfter } : {}),
    };
  }
}
