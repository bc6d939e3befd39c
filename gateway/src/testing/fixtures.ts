/** Test helpers shared by this workspace's tests: temp dirs, a settable clock, reading inputs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@telecart/devices';
import type { Lane, PatientRef } from '@telecart/protocol';
import type { RecordInput } from '../store/reading-store.js';

export interface TempDir {
  path: string;
  remove(): void;
}

export function tempDir(prefix = 'telecart-gw-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start = Date.parse('2026-11-23T09:00:00.000Z')): ManualClock {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const PATIENT_A: PatientRef = { id: 'p-001', ins: '255081416802538', insOid: '1.2.250.1.213.1.4.10', assignment: 'nurse-selected' };

/** A weight reading; `n` varies the value and, with `keyed`, gives it a content key. */
export function weightInput(
  n: number,
  opts: { lane?: Lane; patient?: PatientRef | null; keyed?: boolean; contentKey?: string } = {},
): RecordInput {
  const input: RecordInput = {
    code: { loinc: '29463-7', display: 'Body weight', mdc: 188736 },
    value: { value: 60 + n / 10, unit: 'kg' },
    status: 'final',
    flags: [],
    patient: opts.patient === undefined ? PATIENT_A : opts.patient,
    device: { id: 'ble:C0:FF:EE:00:00:02', transport: 'ble' },
    time: {
      effective: '2026-11-23T09:59:58.000Z',
      device: '2026-11-23T10:59:58',
      received: '2026-11-23T09:59:59.000Z',
      correctionMs: 0,
      source: 'device',
    },
    lane: opts.lane ?? 'spot',
  };
  const key = opts.contentKey ?? (opts.keyed ? `ble:C0:FF:EE:00:00:02|r${n}|29463-7` : undefined);
  if (key !== undefined) input.contentKey = key;
  return input;
}

/** Resolves once `cond` holds (polled); the timeout only bounds a failing test, it asserts nothing about speed. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
