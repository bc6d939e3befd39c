/**
 * The cart's patient list as the cloud's directory last sent it (retained on
 * telecart/v1/gw/{id}/patients). A payload that is not JSON, not the protocol's CartPatients, or
 * addressed to another cart is refused and logged, and the last good list is kept. The last good
 * list is written to the store, so the cart still has it offline after a restart. Until a list
 * has ever come, the configuration file's patients are the list (existing setups). The list also
 * carries the cloud's device-user mappings (context.ts applies them).
 */
import { type CartDeviceUser, CartPatients, type CartPatients as CartPatientsMsg, compile } from '@telecart/protocol';
import type { Logger } from '../logger.js';
import { RetainedDocument, type RetainedDocumentStore, type RetainedRefusal } from '../sync/retained-document.js';

const check = compile(CartPatients);
const STORE_KEY = 'doc:cloud-patients';
/** A list is ~150 bytes per patient; anything far larger is not one. */
export const MAX_PATIENT_LIST_BYTES = 1024 * 1024;

export type CartPatientsStore = RetainedDocumentStore;
export type PatientListRefusal = RetainedRefusal;

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
  private readonly doc: RetainedDocument<typeof CartPatients>;

  constructor(private readonly o: CartPatientListOptions) {
    this.doc = new RetainedDocument({
      name: 'patients',
      noun: 'list',
      check,
      storeKey: STORE_KEY,
      maxBytes: MAX_PATIENT_LIST_BYTES,
      gatewayId: o.gatewayId,
      store: o.store,
      logger: o.logger,
      meanwhile: 'using the configured one',
      problem: deviceUsersProblem,
    });
  }

  /** A payload from the patients topic: kept (and stored) when good, refused (logged) otherwise. */
  receive(payload: Buffer): boolean {
    return this.doc.receive(payload);
  }

  /** Called after each good list (stored first); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    return this.doc.onChange(() => listener());
  }

  /**
   * The residents now: the cloud's last list, or the configuration's until one came. `deviceUsers`
   * only when the cloud's list carries them (an older cloud's does not).
   */
  residents(): CartResidents {
    const list = this.doc.current();
    if (list === null) return { source: 'config', at: null, patients: this.o.configured };
    return {
      source: 'cloud',
      at: list.at,
      patients: list.patients,
      ...(list.deviceUsers !== undefined ? { deviceUsers: list.deviceUsers } : {}),
    };
  }

  refusals(): Readonly<Record<PatientListRefusal, number>> {
    return this.doc.refusals();
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
