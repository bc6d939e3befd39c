/**
 * The cart's patient list as the cloud's directory last sent it (retained on
 * telecart/v1/gw/{id}/patients). A payload that is not JSON, not the protocol's CartPatients, or
 * addressed to another cart is refused and logged, and the last good list is kept. The last good
 * list is written to the store, so the cart still has it offline after a restart. Until a list
 * has ever come, the configuration file's patients are the list (existing setups). The list also
 * carries the cloud's device-user mappings (context.ts applies them).
 */
import { type CartDeviceUser, CartPatients, type CartPatients as CartPatientsMsg, compile, formatIssues } from '@telecart/protocol';
import type { Logger } from '../logger.js';

const check = compile(CartPatients);
const STORE_KEY = 'doc:cloud-patients';
/** A list is ~150 bytes per patient; anything far larger is not one. */
export const MAX_PATIENT_LIST_BYTES = 1024 * 1024;

export interface CartPatientsStore {
  loadMeta(key: `doc:${string}`): string | undefined;
  saveMeta(key: `doc:${string}`, value: string): void;
}

export type PatientListRefusal = 'oversize' | 'not-json' | 'schema' | 'wrong-gateway';

/** One patient as the cart knows it: the configuration file's entries have the same shape. */
export interface CartResident {
  localId: string;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  ins?: string;
  insOid?: string;
}

export interface CartResidents {
  source: 'cloud' | 'config';
  at: string | null;
  patients: readonly CartResident[];
  /** The cloud's device-user mappings, by the list's localIds. */
  deviceUsers?: readonly CartDeviceUser[];
}

export interface CartPatientListOptions {
  gatewayId: string;
  store: CartPatientsStore;
  logger: Logger;
  /** The configuration file's patients: the list until the cloud sends one. */
  configured: readonly CartResident[];
}

export class CartPatientList {
  private list: CartPatientsMsg | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly refused: Record<PatientListRefusal, number> = { oversize: 0, 'not-json': 0, schema: 0, 'wrong-gateway': 0 };

  constructor(private readonly o: CartPatientListOptions) {
    const saved = o.store.loadMeta(STORE_KEY);
    if (saved === undefined) return;
    const r = this.parse(Buffer.from(saved));
    if (r.ok) this.list = r.list;
    else o.logger.warn({ reason: r.reason, detail: r.detail }, 'patients: the stored list cannot be read; using the configured one');
  }

  /** A payload from the patients topic: kept (and stored) when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    const r = this.parse(payload);
    if (!r.ok) {
      this.refused[r.reason]++;
      this.o.logger.warn(
        { reason: r.reason, detail: r.detail, kept: this.list?.at ?? null },
        'patients: refused a list from the cloud; the last good one is kept',
      );
      return false;
    }
    this.list = r.list;
    this.o.store.saveMeta(STORE_KEY, JSON.stringify(r.list));
    for (const l of this.listeners) l();
    return true;
  }

  /** Called after each good list (stored first); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The residents now: the cloud's last list, or the configuration's until one came. `deviceUsers`
   * only when the cloud's list carries them (an older cloud's does not).
   */
  residents(): CartResidents {
    if (this.list === null) return { source: 'config', at: null, patients: this.o.configured };
    return {
      source: 'cloud',
      at: this.list.at,
      patients: this.list.patients,
      ...(this.list.deviceUsers !== undefined ? { deviceUsers: this.list.deviceUsers } : {}),
    };
  }

  refusals(): Readonly<Record<PatientListRefusal, number>> {
    return { ...this.refused };
  }

  private parse(payload: Buffer): { ok: true; list: CartPatientsMsg } | { ok: false; reason: PatientListRefusal; detail: string } {
    if (payload.length > MAX_PATIENT_LIST_BYTES) return { ok: false, reason: 'oversize', detail: `${payload.length} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'not-json', detail: (e as Error).message };
    }
    const v = check.validate(json);
    if (!v.ok) return { ok: false, reason: 'schema', detail: formatIssues(v.issues).slice(0, 500) };
    if (v.value.gatewayId !== this.o.gatewayId)
      return { ok: false, reason: 'wrong-gateway', detail: `for ${v.value.gatewayId}, this cart is ${this.o.gatewayId}` };
    const problem = deviceUsersProblem(v.value);
    if (problem !== null) return { ok: false, reason: 'schema', detail: problem };
    return { ok: true, list: v.value };
  }
}

/** A mapping to a patient not on the list, or one device user mapped twice: the list is not coherent. */
function deviceUsersProblem(list: CartPatientsMsg): string | null {
  const ids = new Set(list.patients.map((p) => p.localId));
  const seen = new Set<string>();
  for (const u of list.deviceUsers ?? []) {
    if (!ids.has(u.localId)) return `deviceUsers: ${u.deviceId} user ${u.userIndex} → "${u.localId}", who is not on the list`;
    const k = `${u.deviceId}#${u.userIndex}`;
    if (seen.has(k)) return `deviceUsers: ${u.deviceId} user ${u.userIndex} is mapped twice`;
    seen.add(k);
  }
  return null;
}
