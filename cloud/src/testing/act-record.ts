/** Tests: an act in progress as the store keeps it (Dr Blanc's, patient p-001 at home-7, oral consent), with overrides. */
import { randomUUID } from 'node:crypto';
import type { TeleconsultationRecord } from '../store/teleconsult-records.js';

export function inProgressAct(over: Partial<TeleconsultationRecord> = {}, at: Date = new Date()): TeleconsultationRecord {
  const iso = at.toISOString();
  return {
    sessionId: randomUUID(),
    gatewayId: 'home-7',
    patientId: 'p-001',
    patientIns: null,
    requestedSpecialistId: 'dr-blanc',
    specialistId: 'dr-blanc',
    specialistName: 'Dr Marc Blanc',
    reason: null,
    consent: { by: 'patient', method: 'oral', representative: null, collectedAt: iso, collectedBy: null },
    status: 'in-progress',
    outcome: null,
    createdAt: iso,
    joinedAt: iso,
    connectedAt: iso,
    endedAt: null,
    durationMs: null,
    updatedAt: iso,
    ...over,
  };
}
