/**
 * Who a reading belongs to, decided explicitly (contract 5, docs/architecture.md) and never guessed:
 *  1. a configured multi-user mapping (deviceId, userIndex) → 'device-user';
 *  2. home mode → the kit's patient ('home-kit'), unless the device reports a user index that the
 *     configuration maps for that device to nobody (a spouse on a shared scale is not the patient);
 *  3. cart mode → the patient the nurse selected ('nurse-selected');
 *  otherwise null: the reading is held until the nurse assigns it.
 * The selection lives in memory only: after a restart the nurse selects again, on purpose.
 */
import { EventEmitter } from 'node:events';
import type { PatientRef } from '@telecart/protocol';
import type { GatewayConfig, PatientConfig } from '../config.js';

export type Assignment = PatientRef['assignment'];

export interface PatientContextEvents {
  change: [PatientConfig | null];
}

export class UnknownPatientError extends Error {
  constructor(readonly patientId: string) {
    super(`unknown patient "${patientId}"`);
    this.name = 'UnknownPatientError';
  }
}

export class FixedPatientError extends Error {
  constructor() {
    super('home mode: the patient is fixed by the configuration');
    this.name = 'FixedPatientError';
  }
}

export function patientRef(p: PatientConfig, assignment: Assignment, userIndex?: number): PatientRef {
  const ref: PatientRef = { id: p.id, assignment };
  if (p.ins !== undefined) ref.ins = p.ins;
  if (p.insOid !== undefined) ref.insOid = p.insOid;
  if (userIndex !== undefined) ref.userIndex = userIndex;
  return ref;
}

export type PatientContextConfig = Pick<GatewayConfig, 'mode' | 'patients' | 'homePatientId' | 'deviceUsers'>;

export class PatientContext extends EventEmitter<PatientContextEvents> {
  readonly mode: GatewayConfig['mode'];
  private readonly byId: Map<string, PatientConfig>;
  private readonly deviceUsers = new Map<string, Map<number, PatientConfig>>();
  private readonly home: PatientConfig | undefined;
  private selected: PatientConfig | null = null;

  constructor(config: PatientContextConfig) {
    super();
    this.mode = config.mode;
    this.byId = new Map(config.patients.map((p) => [p.id, p]));
    for (const u of config.deviceUsers) {
      const p = this.require(u.patientId);
      const users = this.deviceUsers.get(u.deviceId) ?? new Map<number, PatientConfig>();
      users.set(u.userIndex, p);
      this.deviceUsers.set(u.deviceId, users);
    }
    if (config.mode === 'home') {
      if (config.homePatientId === undefined) throw new Error('home mode needs homePatientId');
      this.home = this.require(config.homePatientId);
    }
  }

  residents(): PatientConfig[] {
    return [...this.byId.values()];
  }

  find(patientId: string): PatientConfig | undefined {
    return this.byId.get(patientId);
  }

  /** The patient readings currently go to without a device-user mapping (home patient or nurse selection). */
  current(): PatientConfig | null {
    return this.home ?? this.selected;
  }

  /** The nurse picks the patient in front of the cart. */
  select(patientId: string): PatientConfig {
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

  /** The reference for an explicit assignment by the nurse (held readings). */
  nurseAssigned(patientId: string): PatientRef {
    return patientRef(this.require(patientId), 'nurse-selected');
  }

  private require(patientId: string): PatientConfig {
    const p = this.byId.get(patientId);
    if (!p) throw new UnknownPatientError(patientId);
    return p;
  }
}
