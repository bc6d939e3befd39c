/**
 * The one way a store turns a stored row back into an observation. A row is trusted no more
 * than a cart's payload: a disk fault, a manual edit or a release that wrote a different shape
 * leaves a row that is not JSON or not an Observation, and one such row must not turn a
 * patient's whole list, export or trend into an error. Such a row is skipped (a read by id
 * answers "not found"), counted, and reported once per row to the listener (the cloud logs it).
 */
import { compile, formatIssues, GatewayStatus, Observation } from '@telecart/protocol';
import { type AlertFieldReader, type AlertJsonFields, alertJsonFields } from './alert-fields.js';

const observationCheck = compile(Observation);
const gatewayChecks = { backlog: compile(GatewayStatus.properties.backlog), devices: compile(GatewayStatus.properties.devices) };

export type StoredTable = 'observations' | 'alerts' | 'gateways';

export interface UnreadableRow {
  table: StoredTable;
  /** The row's key (observation id, alert id, gateway id). */
  id: string;
  /** Why it cannot be served: the JSON error or the schema issues. */
  error: string;
}

export type UnreadableRowListener = (row: UnreadableRow) => void;

/** Skips so far, by table (since this store was opened). */
export type UnreadableRowCounts = Record<StoredTable, number>;

function parsed(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/** Past this many distinct bad rows, new ones are only counted (bounded memory, bounded log). */
const MAX_REPORTED = 10_000;

export class RowDecoder implements AlertFieldReader {
  private readonly counts: UnreadableRowCounts = { observations: 0, alerts: 0, gateways: 0 };
  private readonly reported = new Set<string>();

  constructor(private readonly onUnreadable: UnreadableRowListener = () => undefined) {}

  /** `raw`: the JSON text (SQLite) or the value the driver already parsed (PostgreSQL json). */
  observation(id: string, raw: unknown): Observation | null {
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch (e) {
        return this.skip({ table: 'observations', id, error: `not JSON: ${(e as Error).message}` });
      }
    }
    const checked = observationCheck.validate(value);
    if (!checked.ok) return this.skip({ table: 'observations', id, error: `not an Observation: ${formatIssues(checked.issues)}` });
    return checked.value;
  }

  /** The observations of rows in order, without the ones that cannot be read. */
  observations(rows: readonly { id: string; json: unknown }[]): Observation[] {
    const out: Observation[] = [];
    for (const r of rows) {
      const o = this.observation(r.id, r.json);
      if (o !== null) out.push(o);
    }
    return out;
  }

  /**
   * The JSON columns of an alert row (text in SQLite, parsed in PostgreSQL): trigger reading ids
   * and the values its text is drawn from. Null when they are not what the alert needs.
   */
  alertFields(id: string, raw: { first: unknown; last: unknown; values: unknown }): AlertJsonFields | null {
    try {
      return alertJsonFields(raw);
    } catch (e) {
      return this.skip({ table: 'alerts', id, error: (e as Error).message });
    }
  }

  /**
   * A gateway's last backlog or device list (text in SQLite, parsed in PostgreSQL), or null when
   * unreadable: the cart is still listed, its backlog or devices shown as unknown.
   */
  gatewayField<K extends 'backlog' | 'devices'>(gatewayId: string, field: K, raw: unknown): GatewayStatus[K] | null {
    if (raw === null) return null;
    try {
      const checked = gatewayChecks[field].validate(parsed(raw));
      if (!checked.ok) throw new Error(`${field}: ${formatIssues(checked.issues)}`);
      return checked.value as GatewayStatus[K];
    } catch (e) {
      return this.skip({ table: 'gateways', id: `${gatewayId} ${field}`, error: (e as Error).message });
    }
  }

  unreadable(): UnreadableRowCounts {
    return { ...this.counts };
  }

  private skip(row: UnreadableRow): null {
    this.counts[row.table]++;
    const key = `${row.table}\u0000${row.id}`;
    if (!this.reported.has(key) && this.reported.size < MAX_REPORTED) {
      this.reported.add(key);
      try {
        this.onUnreadable({ ...row, error: row.error.slice(0, 500) });
      } catch {
        // A failing listener must not turn the skip back into an error.
      }
    }
    return null;
  }
}
