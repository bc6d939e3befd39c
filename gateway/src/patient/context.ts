/**
 * Who a reading belongs to, decided explicitly (contract 5, docs/architecture.md) and never guessed:
 *  1. a configured multi-user mapping (deviceId, userIndex) → 'device-user';
 *  2. home mode → the kit's patient ('home-kit'), unless the device reports a user index that the
 *     configuration maps for that device to nobody (a spouse on a shared scale is not the patient);
 *  3. cart mode → the patient the nurse selected ('nurse-selected');
 *  otherwise null: the reading is held until the nurse assigns it.
 * The selection lives in memory only: after a restart the nurse selects again, on purpose.
 *
 * The cart's residents (the choice, the explicit assignment, the call) are one list: the cloud's
 * (cart-patients.ts) when a source is given and has had one, the configuration's until then. A new
 * list replaces the choice at once; a selected patient no longer on it is deselected (readings held).
 * Home mode and the device-user mappings stay the configuration's: they name devices, not residents.
 */
import { EventEmitter } from 'node:events';
import type { PatientRef } from '@telecart/protocol';
import type { GatewayConfig, PatientConfig } from '../config.js';
import type { CartResident } from './cart-patients.js';

export type Assignment = PatientRef['assignment'];

/** A resident as the nurse API shows it: names may be unknown to the directory (null). */
export interface Resident {
  id: string;
  family: string | null;
  given: string | null;
  birthDate?: string;
  /** The configuration's room for this id: the directory has no rooms. */
  room?: string;
  ins?: string;
  insOid?: string;
}

/** The cloud's list as the context reads it (CartPatientList). */
export interface ResidentSource {
  residents(): { source: 'cloud' | 'config'; at: string | null; patients: readonly CartResident[] };
  onChange(listener: () => void): () => void;
}

export interface ResidentList {
  source: 'cloud' | 'config';
  at: string | null;
  patients: Resident[];
}

export interface PatientContextEvents {
  change: [Resident | null];
  residents: [ResidentList];
}

export class UnknownPatientError extends Error {
  constructor(
    readonly patientId: string,
    message = `unknown patient "${patientId}"`,
  ) {
    super(message);
    this.name = 'UnknownPatientError';
  }
}

export class FixedPatientError extends Error {
  constructor() {
    super('home mode: the patient is fixed by the configuration');
    this.name = 'FixedPatientError';
  }
}

export function patientRef(p: Resident, assignment: Assignment, userIndex?: number): PatientRef {
  const ref: PatientRef = { id: p.id, assignment };
  if (p.ins !== undefined) ref.ins = p.ins;
  if (p.insOid !== undefined) ref.insOid = p.insOid;
  if (userIndex !== undefined) ref.userIndex = userIndex;
  return ref;
}

export type PatientContextConfig = Pick<GatewayConfig, 'mode' | 'patients' | 'homePatientId' | 'deviceUsers'>;

function fromConfig(p: PatientConfig): Resident {
  return p;
}

export class PatientContext extends EventEmitter<PatientContextEvents> {
  readonly mode: GatewayConfig['mode'];
  private readonly configured: Map<string, PatientConfig>;
  private list: ResidentList;
  private byId: Map<string, Resident>;
  private readonly deviceUsers = new Map<string, Map<number, Resident>>();
  private readonly home: Resident | undefined;
  private selected: Resident | null = null;

  /** `source`: the cloud's list; without it (or before its first list) the configuration's patients. */
  constructor(
    config: PatientContextConfig,
    private readonly source?: ResidentSource,
  ) {
    super();
    this.mode = config.mode;
    this.configured = new Map(config.patients.map((p) => [p.id, p]));
    for (const u of config.deviceUsers) {
      const p = this.configured.get(u.patientId);
      if (!p) throw new UnknownPatientError(u.patientId);
      const users = this.deviceUsers.get(u.deviceId) ?? new Map<number, Resident>();
      users.set(u.userIndex, fromConfig(p));
      this.deviceUsers.set(u.deviceId, users);
    }
    if (config.mode === 'home') {
      if (config.homePatientId === undefined) throw new Error('home mode needs homePatientId');
      const p = this.configured.get(config.homePatientId);
      if (!p) throw new UnknownPatientError(config.homePatientId);
      this.home = fromConfig(p);
    }
    this.list = this.read();
    this.byId = new Map(this.list.patients.map((p) => [p.id, p]));
    source?.onChange(() => this.refresh());
  }

  residents(): Resident[] {
    return [...this.list.patients];
  }

  /** The residents with where they come from: the cloud's list (when it was built) or the configuration. */
  residentList(): ResidentList {
    return { ...this.list, patients: [...this.list.patients] };
  }

  find(patientId: string): Resident | undefined {
    return this.byId.get(patientId);
  }

  /** The patient readings currently go to without a device-user mapping (home patient or nurse selection). */
  current(): Resident | null {
    return this.home ?? this.selected;
  }

  /** The nurse picks the patient in front of the cart. */
  select(patientId: string): Resident {
    if (this.mode === 'home') throw new FixedPatientError();
    const p = this.require(patientId);
    this.selected = p;
    this.emit('change', p);
    return p;
  }

  /** The nurse leaves the room: readings from now on are held. */
  clear(): void {
    if (this.mode === 'home') throw new FixedPatientError();
    this.selected = null;
    this.emit('change', null);
  }

  /** The patient of a reading from this device (and user index), or null: hold it, do not guess. */
  resolve(deviceId: string, userIndex?: number): PatientRef | null {
    const users = this.deviceUsers.get(deviceId);
    if (userIndex !== undefined && users) {
      const mapped = users.get(userIndex);
      // This device is shared and its users are configured: an unmapped user is someone else.
      return mapped ? patientRef(mapped, 'device-user', userIndex) : null;
    }
    if (this.home) return patientRef(this.home, 'home-kit', userIndex);
    if (this.selected) return patientRef(this.selected, 'nurse-selected', userIndex);
    return null;
  }

  /** The reference for an explicit assignment by the nurse (held readings): only a patient on the cart's list now. */
  nurseAssigned(patientId: string): PatientRef {
    return patientRef(this.require(patientId), 'nurse-selected');
  }

  /** Why a patient id is not on the list, in words a nurse or a log reader can act on. */
  notOnCart(patientId: string): string {
    return this.list.source === 'cloud'
      ? `patient "${patientId}" is not on this cart's list (the cloud's, of ${this.list.at}): transferred, discharged or unknown`
      : `unknown patient "${patientId}"`;
  }

  private read(): ResidentList {
    const r = this.source?.residents();
    if (!r || r.source === 'config') {
      return { source: 'config', at: null, patients: [...this.configured.values()].map(fromConfig) };
    }
    return {
      source: 'cloud',
      at: r.at,
      patients: r.patients.map((c) => {
        const room = this.configured.get(c.localId)?.room;
        return {
          id: c.localId,
          family: c.family,
          given: c.given,
          ...(c.birthDate !== null ? { birthDate: c.birthDate } : {}),
          ...(room !== undefined ? { room } : {}),
          ...(c.ins !== undefined && c.insOid !== undefined ? { ins: c.ins, insOid: c.insOid } : {}),
        };
      }),
    };
  }

  /** A new list from the cloud: the choice follows it; a selected patient who left it is deselected. */
  private refresh(): void {
    this.list = this.read();
    this.byId = new Map(this.list.patients.map((p) => [p.id, p]));
    this.emit('residents', this.residentList());
    if (this.selected === null) return;
    const still = this.byId.get(this.selected.id);
    if (still) {
      this.selected = still;
      return;
    }
    this.selected = null;
    this.emit('change', null);
  }

  private require(patientId: string): Resident {
    const p = this.byId.get(patientId);
    if (!p) throw new UnknownPatientError(patientId, this.notOnCart(patientId));
    return p;
  }
}
