/**
 * What storeBatch decides for each reading, shared by the stores so they answer alike:
 * the same id (with the same gateway and seq) or the same content key is a duplicate (acked,
 * stored once); a seq reused under another id, or an id reused with another seq, is rejected.
 */
import type { Observation } from '@telecart/protocol';
import type { RejectedReading, StoreBatchResult } from './cloud-store.js';

/** The identity columns of a stored reading. */
export interface StoredKey {
  id: string;
  gatewayId: string;
  seq: number;
}

export type Outcome = 'inserted' | 'duplicate' | { rejected: string };

/**
 * The outcome for a reading that collides with stored ones, checked in this order: same id,
 * then same gateway seq, then same content key. `undefined`: nothing collides, insert it.
 */
export function conflictOutcome(
  obs: Observation,
  gatewayId: string,
  sameId: StoredKey | undefined,
  sameSeq: StoredKey | undefined,
  sameContentKey: boolean,
): Outcome | undefined {
  if (sameId) {
    if (sameId.gatewayId === gatewayId && sameId.seq === obs.seq) return 'duplicate';
    return { rejected: `id ${obs.id} is already stored as gateway ${sameId.gatewayId} seq ${sameId.seq}` };
  }
  if (sameSeq) return { rejected: `seq ${obs.seq} is already stored under another id (${sameSeq.id})` };
  // The same device reading read again (records downloaded twice): store nothing, ack it.
  if (sameContentKey) return 'duplicate';
  return undefined;
}

/** Folds per-reading outcomes (in batch order) into the store's answer. */
export function batchResult(observations: readonly Observation[], outcomes: readonly Outcome[]): StoreBatchResult {
  const storedSeqs: number[] = [];
  const rejected: RejectedReading[] = [];
  const inserted: Observation[] = [];
  let duplicates = 0;
  observations.forEach((obs, i) => {
    const o = outcomes[i];
    if (o === undefined) throw new Error(`no outcome for reading seq ${obs.seq}`);
    if (o === 'inserted') {
      inserted.push(obs);
      storedSeqs.push(obs.seq);
    } else if (o === 'duplicate') {
      duplicates++;
      storedSeqs.push(obs.seq);
    } else {
      rejected.push({ seq: obs.seq, reason: o.rejected });
    }
  });
  return { storedSeqs, duplicates, rejected, inserted };
}

/**
 * Splits a batch for a set-based insert: `independent` readings collide with no earlier reading
 * of the batch (id, seq or content key), so their fate depends only on what is already stored;
 * `dependent` ones collide with an earlier one and must be decided one by one, in order, after.
 * Processing them that way gives exactly the answer of a reading-by-reading loop.
 */
export function splitBatch(observations: readonly Observation[]): { independent: number[]; dependent: number[] } {
  const ids = new Set<string>();
  const seqs = new Set<number>();
  const keys = new Set<string>();
  const independent: number[] = [];
  const dependent: number[] = [];
  observations.forEach((o, i) => {
    const collides = ids.has(o.id) || seqs.has(o.seq) || (o.contentKey !== undefined && keys.has(o.contentKey));
    (collides ? dependent : independent).push(i);
    ids.add(o.id);
    seqs.add(o.seq);
    if (o.contentKey !== undefined) keys.add(o.contentKey);
  });
  return { independent, dependent };
}

/**
 * The patients to create for the inserted readings, one per id: the first reading that names an
 * INS (a reading may teach the INS of a patient known only by local id), else the first one.
 */
export function patientsOf(inserted: readonly Observation[]): Observation['patient'][] {
  const byId = new Map<string, Observation['patient']>();
  for (const o of inserted) {
    const known = byId.get(o.patient.id);
    if (known === undefined || (known.ins === undefined && o.patient.ins !== undefined)) byId.set(o.patient.id, o.patient);
  }
  return [...byId.values()];
}
