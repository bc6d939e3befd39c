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
 * Once the cloud's list came, it also decides the device-user mappings (when it carries them) and a
 * home kit's patient: the one patient the directory has on the kit (with several, the configured
 * homePatientId if it is one of them; otherwise nobody, and readings are held rather than guessed).
 */
import { EventEmitter } from 'node:events';
import type { PatientRef } from '@telecart/protocol';
import type { DeviceUserConfig, GatewayConfig, PatientConfig } from '../config.js';
import type { CartResidents } from './cart-patients.js';

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
  residents(): CartResidents;
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
    super("home mode: the kit's patient is the directory's (the configuration's until the cloud's list came)");
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
  private readonly configuredUsers: readonly DeviceUserConfig[];
  private readonly homePatientId: string | undefined;
  private list: ResidentList = { source: 'config', at: null, patients: [] };
  private byId = new Map<string, Resident>();
  private deviceUsers = new Map<string, Map<number, Resident>>();
  private usersSource: 'cloud' | 'config' = 'config';
  /** Home mode: the kit's patient now, or null when the directory names none (readings held). */
  private home: Resident | null = null;
  private selected: Resident | null = null;

  /** `source`: the cloud's list; without it (or before its first list) the configuration's patients. */
  constructor(
    config: PatientContextConfig,
    private readonly source?: ResidentSource,
  ) {
    super();
    this.mode = config.mode;
    this.configured = new Map(config.patients.map((p) => [p.id, p]));
    for (const u of config.deviceUsers) if (!this.configured.has(u.patientId)) throw new UnknownPatientError(u.patientId);
    this.configuredUsers = config.deviceUsers;
    if (config.mode === 'home') {
      if (config.homePatientId === undefined) throw new Error('home mode needs homePatientId');
      if (!this.configured.has(config.homePatientId)) throw new UnknownPatientError(config.homePatientId);
    }
    this.homePatientId = config.homePatientId;
    this.rebuild();
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
    return this.mode === 'home' ? this.home : this.selected;
  }

  /** The device-user mappings in force, and whose they are (the cloud's list, or the configuration's). */
  deviceUserMap(): { source: 'cloud' | 'config'; users: { deviceId: string; userIndex: number; patientId: string }[] } {
    const users = [...this.deviceUsers].flatMap(([deviceId, m]) =>
      [...m].map(([userIndex, p]) => ({ deviceId, userIndex, patientId: p.id })),
    );
    return { source: this.usersSource, users };
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

  /** The list, the device-user mappings and the home patient from the source (or the configuration). */
  private rebuild(): void {
    const r = this.source?.residents();
    this.list = this.read(r);
    this.byId = new Map(this.list.patients.map((p) => [p.id, p]));
    const users = new Map<string, Map<number, Resident>>();
    const put = (deviceId: string, userIndex: number, p: Resident) => {
      const m = users.get(deviceId) ?? new Map<number, Resident>();
      m.set(userIndex, p);
      users.set(deviceId, m);
    };
    const cloudUsers = r?.source === 'cloud' ? r.deviceUsers : undefined;
    if (cloudUsers !== undefined) {
      // CartPatientList refused a list mapping someone not on it: every localId is in byId.
      for (const u of cloudUsers) {
        const p = this.byId.get(u.localId);
        if (p) put(u.deviceId, u.userIndex, p);
      }
    } else {
      for (const u of this.configuredUsers) {
        const p = this.configured.get(u.patientId);
        if (p) put(u.deviceId, u.userIndex, fromConfig(p));
      }
    }
    this.deviceUsers = users;
    this.usersSource = cloudUsers !== undefined ? 'cloud' : 'config';
    if (this.mode === 'home') this.home = this.homeOf();
  }

  /** The configuration's patient until the cloud's list came; then the directory's one patient of the kit. */
  private homeOf(): Resident | null {
    if (this.list.source === 'config') {
      const p = this.homePatientId === undefined ? undefined : this.configured.get(this.homePatientId);
      return p ? fromConfig(p) : null;
    }
    if (this.list.patients.length === 1) return this.list.patients[0] ?? null;
    // Several patients on one kit (a couple): the configured one if listed, else nobody rather than a guess.
    return this.homePatientId === undefined ? null : (this.byId.get(this.homePatientId) ?? null);
  }

  private read(r: CartResidents | undefined): ResidentList {
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
    const home = this.home;
    this.rebuild();
    this.emit('residents', this.residentList());
    if (this.mode === 'home') {
      if (home?.id !== this.home?.id) this.emit('change', this.home);
      return;
    }
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
