/**
 * The statuses of a teleconsultation act and the only moves between them (pure, no I/O).
 *
 *   scheduled ──call──▶ waiting ──join──▶ in-progress ──end──▶ completed   (the media came up)
 *       │                  │                   └──────────────▶ not-done   (the connection never came up)
 *       │                  ├──nurse cancels──▶ cancelled
 *       │                  └──nobody joined in time──▶ not-done
 *       └──cancel / missed──▶ cancelled / not-done
 *
 * completed, not-done and cancelled are final: an act is never reopened (a new call is a new act).
 */
import type { TeleconsultStatus } from '@telecart/protocol';

const NEXT: Readonly<Record<TeleconsultStatus, readonly TeleconsultStatus[]>> = {
  scheduled: ['waiting', 'cancelled', 'not-done'],
  waiting: ['in-progress', 'cancelled', 'not-done'],
  'in-progress': ['completed', 'not-done'],
  completed: [],
  'not-done': [],
  cancelled: [],
};

export const FINAL_STATUSES: readonly TeleconsultStatus[] = ['completed', 'not-done', 'cancelled'];
export const ACTIVE_STATUSES: readonly TeleconsultStatus[] = ['scheduled', 'waiting', 'in-progress'];

export function isFinal(s: TeleconsultStatus): boolean {
  return FINAL_STATUSES.includes(s);
}

export function canMove(from: TeleconsultStatus, to: TeleconsultStatus): boolean {
  return NEXT[from].includes(to);
}

export type Transition = { ok: true; status: TeleconsultStatus } | { ok: false; error: string };

export function transition(from: TeleconsultStatus, to: TeleconsultStatus): Transition {
  return canMove(from, to) ? { ok: true, status: to } : { ok: false, error: `a teleconsultation cannot go from ${from} to ${to}` };
}

/** How an act that had started ends: finalised if the specialist and the cart were connected at some point. */
export function endStatus(everConnected: boolean): 'completed' | 'not-done' {
  return everConnected ? 'completed' : 'not-done';
}

/** The names the regional platforms and the French pages use. */
export const STATUS_LABELS: Readonly<Record<TeleconsultStatus, { fr: string; en: string }>> = {
  scheduled: { fr: 'à venir', en: 'scheduled' },
  waiting: { fr: 'en salle d’attente', en: 'in the waiting room' },
  'in-progress': { fr: 'en cours', en: 'in progress' },
  completed: { fr: 'finalisée', en: 'completed' },
  'not-done': { fr: 'non réalisée', en: 'not done' },
  cancelled: { fr: 'annulée', en: 'cancelled' },
};
