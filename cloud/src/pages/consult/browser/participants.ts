/**
 * Who waits to be let in from their link (the home patient; guests later), per act, live from the
 * WebSocket (`participants`): name, role, since when, and Admit / Refuse for those still waiting.
 */
import { byId, el } from '@telecart/ui/browser';
import { t } from './i18n.js';
import { when } from './room.js';
import { send } from './signaling.js';
import type { Participant } from './types.js';

const byAct = new Map<string, Participant[]>();

export function onParticipants(sessionId: string, participants: Participant[]): void {
  if (!Array.isArray(participants)) return;
  if (participants.length === 0) byAct.delete(sessionId);
  else byAct.set(sessionId, participants);
  drawParticipants();
}

/** The name of a participant still listed (for the conversation's heading). */
export function participantName(sessionId: string, id: string): string | null {
  return byAct.get(sessionId)?.find((p) => p.id === id)?.name ?? null;
}

export function drawParticipants(): void {
  const w = t();
  const list = byId('participants-list');
  const items = [...byAct.entries()].flatMap(([sessionId, ps]) =>
    ps.map((p) =>
      el(
        'li',
        { 'data-participant': p.id, 'data-state': p.state },
        el('strong', {}, p.name),
        ` — ${w[`participantRole:${p.role}`]}, ${w[`participantState:${p.state}`]} (${when(p.since)}) `,
        p.state === 'waiting' && button(w.participantAdmit, 'admit', () => send({ type: 'admit', sessionId, participantId: p.id })),
        ' ',
        p.state === 'waiting' && button(w.participantRefuse, 'refuse', () => send({ type: 'refuse', sessionId, participantId: p.id })),
      ),
    ),
  );
  list.replaceChildren(...items);
  byId('participants').hidden = items.length === 0;
}

function button(label: string, action: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-action': action }, label);
  b.addEventListener('click', onClick);
  return b;
}
