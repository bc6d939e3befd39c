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
 *
 * Inside in-progress, the joined specialist's link (a sub-state: the status stays `in-progress`,
 * the platforms have no name for it):
 *
 *   present ──page lost (reload, dropped socket)──▶ reconnecting ──same specialist rejoins──▶ present
 *      │          (grace 0: end at once)               └──grace period over──▶ end (specialist-lost)
 *      └──hang-up, nurse, cart, timeouts: end as usual (from reconnecting too)
 */
import type { SpecialistLink, TeleconsultStatus } from '@telecart/protocol';

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

/** What happens to the specialist's link of an act (pure: the relay applies the decision). */
export type LinkEvent = { type: 'page-lost'; graceSeconds: number } | { type: 'rejoin'; specialistId: string } | { type: 'grace-expired' };

export type LinkDecision =
  | { ok: true; link: SpecialistLink }
  | { ok: true; end: 'specialist-disconnected' | 'specialist-lost' }
  | { ok: false; error: string };

export interface LinkState {
  status: TeleconsultStatus;
  link: SpecialistLink;
  /** Who joined the act (the only one who may rejoin it). */
  specialistId: string | null;
}

export function linkStep(s: LinkState, e: LinkEvent): LinkDecision {
  if (s.status !== 'in-progress') return { ok: false, error: `the act is ${s.status}, not in progress` };
  switch (e.type) {
    case 'page-lost':
      if (s.link !== 'present') return { ok: false, error: 'the specialist is already away' };
      return e.graceSeconds > 0 ? { ok: true, link: 'reconnecting' } : { ok: true, end: 'specialist-disconnected' };
    case 'rejoin':
      if (s.link !== 'reconnecting') return { ok: false, error: 'the specialist is still connected to this act' };
      // Only the login that joined: another specialist cannot take the act over.
      if (s.specialistId === null || e.specialistId !== s.specialistId) return { ok: false, error: 'the act is another specialist’s' };
      return { ok: true, link: 'present' };
    case 'grace-expired':
      return s.link === 'reconnecting' ? { ok: true, end: 'specialist-lost' } : { ok: false, error: 'the specialist came back' };
  }
}
