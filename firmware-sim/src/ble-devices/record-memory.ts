/**
 * A device's numbered record memory and its Record Access Control Point (0x2A52) server, as glucose
 * meters (and vendors' cuffs, scales, oximeters) implement them: report stored records (each record's
 * PDUs, then `06 00 01 01`), delete, report the number of records, abort. Requests are decoded with the
 * project's RACP codec; malformed ones get the response code the decode error maps to.
 */
import {
  decodeRacpRequest,
  encodeRacpIndication,
  type RacpFilter,
  type RacpIndication,
  type RacpOpCode,
  type RacpResponseCode,
  racpResponseCodeForError,
  selectRacpRecords,
} from '@telecart/devices';
import { AttError } from '../bluez/types.js';
import type { Pdu, VirtualReading } from './virtual-device.js';

export interface StoredRecord {
  sequenceNumber: number;
  reading: VirtualReading;
  /** The PDUs replayed for this record, in order (e.g. 0x2A18 then its 0x2A34). */
  pdus: Pdu[];
  /** Device clock (ms) when it was taken. */
  takenAt: number;
}

/** Sequence-numbered memory; the oldest record goes when full. Sequence numbers wrap at 0xFFFF + 1. */
export class RecordMemory {
  private readonly items: StoredRecord[] = [];

  constructor(readonly capacity = 200) {}

  get records(): readonly StoredRecord[] {
    return this.items;
  }

  add(record: StoredRecord): void {
    this.items.push(record);
    while (this.items.length > this.capacity) this.items.shift();
  }

  select(filter: RacpFilter): StoredRecord[] {
    return selectRacpRecords(this.items, filter);
  }

  /** Forgets every record (a meter's memory cleared by a factory reset); returns how many. */
  clear(): number {
    return this.items.splice(0).length;
  }

  /** Removes the selected records; returns how many. */
  delete(filter: RacpFilter): number {
    const gone = new Set(this.select(filter));
    for (let i = this.items.length - 1; i >= 0; i--) if (gone.has(this.items[i] as StoredRecord)) this.items.splice(i, 1);
    return gone.size;
  }
}

/** ATT application errors of the Glucose Service (GLS 1.0 §4.9.x). */
export const RACP_ATT_PROCEDURE_IN_PROGRESS = 0x80;
export const RACP_ATT_CCCD_IMPROPERLY_CONFIGURED = 0x81;

export interface RacpServerLink {
  /** True while the central listens on this characteristic. */
  isSubscribed(uuid: string): boolean;
  /** Sends one notification/indication; false when it could not (disconnected, not subscribed). */
  notify(uuid: string, bytes: Uint8Array): boolean;
}

export interface RacpServerOptions {
  memory: RecordMemory;
  /** The current link, or undefined when no central is connected. */
  link(): RacpServerLink | undefined;
  /** Pause between two records of a report (lets an abort arrive). Default 0: the next macrotask. */
  recordIntervalMs?: number;
  /** Log of every PDU the server sent (records and RACP indications). */
  onSent?(uuid: string, bytes: Uint8Array): void;
}

const RACP = '2A52';

export class RacpServer {
  /** Id of the running procedure (0 = none); an abort clears it and the running loop sees it is no longer current. */
  private current = 0;
  private ids = 0;

  constructor(private readonly opts: RacpServerOptions) {}

  get inProgress(): boolean {
    return this.current !== 0;
  }

  /** Stops a running report (device stop, abort). */
  abort(): void {
    this.current = 0;
  }

  /**
   * The 0x2A52 write handler. Throws AttError (answered as an ATT error) when indications are off or
   * a procedure runs; otherwise accepts the write and answers by indication once the write returned.
   */
  handleWrite(value: Uint8Array): void {
    const link = this.opts.link();
    if (!link?.isSubscribed(RACP)) throw new AttError(RACP_ATT_CCCD_IMPROPERLY_CONFIGURED, 'RACP indications are not enabled');
    const r = decodeRacpRequest(value);
    const isAbort = r.ok && r.value.opCode === 'abort-operation';
    if (this.inProgress && !isAbort) throw new AttError(RACP_ATT_PROCEDURE_IN_PROGRESS, 'a RACP procedure is in progress');
    if (!r.ok) {
      const op = value[0] ?? 0;
      this.later(() => this.respond(op, racpResponseCodeForError(r.error)));
      return;
    }
    const { opCode, filter } = r.value;
    if (isAbort) {
      this.abort();
      this.later(() => this.respond('abort-operation', 'success'));
      return;
    }
    const id = ++this.ids;
    this.current = id;
    this.later(() => {
      void this.run(id, opCode, filter).finally(() => {
        if (this.current === id) this.current = 0;
      });
    });
  }

  private async run(id: number, opCode: RacpOpCode, filter: RacpFilter): Promise<void> {
    const memory = this.opts.memory;
    switch (opCode) {
      case 'report-number-of-stored-records':
        this.indicate({ kind: 'number-of-records', count: memory.select(filter).length });
        return;
      case 'delete-stored-records':
        this.respond(opCode, memory.delete(filter) > 0 ? 'success' : 'no-records-found');
        return;
      case 'report-stored-records': {
        const records = memory.select(filter);
        if (records.length === 0) {
          this.respond(opCode, 'no-records-found');
          return;
        }
        for (const [i, record] of records.entries()) {
          if (i > 0) await this.pause();
          if (this.current !== id) return; // aborted: the abort got its own response
          const link = this.opts.link();
          if (!link) return;
          for (const pdu of record.pdus) {
            // A characteristic the central did not subscribe to (e.g. context) is skipped, as a device does.
            if (!link.isSubscribed(pdu.characteristic)) continue;
            if (!this.send(pdu.characteristic, pdu.bytes)) return; // link lost
          }
        }
        this.respond(opCode, 'success');
        return;
      }
      case 'abort-operation':
        return;
    }
  }

  private pause(): Promise<void> {
    const ms = this.opts.recordIntervalMs ?? 0;
    return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  }

  /** Answers after the write's reply has gone out, as a device's stack does. */
  private later(fn: () => void): void {
    setImmediate(fn);
  }

  private respond(requestOpCode: RacpOpCode | number, code: RacpResponseCode): void {
    this.indicate({ kind: 'response', requestOpCode, code });
  }

  private indicate(i: RacpIndication): void {
    this.send(RACP, encodeRacpIndication(i));
  }

  private send(uuid: string, bytes: Uint8Array): boolean {
    const link = this.opts.link();
    if (!link?.notify(uuid, bytes)) return false;
    this.opts.onSent?.(uuid.toUpperCase(), bytes);
    return true;
  }
}
