/**
 * The pages of a home act's specialist that are open on another cloud instance than the act's owner
 * (docs/teleconsultation.md, « Two pages of one specialist on two instances »). The owner keeps the
 * act while a page of its specialist is open there; a page of the same specialist on another
 * instance (a second device, a reload that landed elsewhere) is announced by that instance with its
 * `want` (or a `pages` update) and is stood for here by a stand-in page: it gets what a page here
 * would get about that act (the participants' list, `participant-admitted`, the conversation's
 * signals, errors), relayed back to its instance, and what it sends about that act (admit, refuse,
 * the conversation, the media up, the hang-up) is handled here as from a page of this instance: the
 * owner decides and audits, once. A page its instance says is gone (`page-gone`: a message sent to it
 * found none) is let go at once, and known as one that was for GONE_KEPT_MS. Owner side only; pure of
 * transports (send is injected).
 */

import type { Specialist } from './specialists.js';
import type { CloudMessage } from './ws-messages.js';

/** A page stood for here: what the relay treats as one of its pages (RelayPeer). */
export interface StandIn {
  readonly specialist: Specialist;
  send(message: CloudMessage): void;
}

interface Entry {
  from: string;
  pageId: string;
  peer: StandIn;
  /** The home acts this page is announced for. */
  sessions: Set<string>;
  /** When its instance last announced it. */
  seen: number;
}

export interface RemotePagesOptions {
  /** Sends a message to the page `pageId` on instance `to`. */
  send(to: string, pageId: string, message: CloudMessage): void;
  now: () => number;
}

/**
 * How long a page no longer stood for is still known as one that was (`wasStoodFor`): its instance's word
 * that it is gone (`page-gone`) may answer a message sent just before, and come after its `pages` update.
 */
export const GONE_KEPT_MS = 60_000;
/** Pages remembered as gone at most (each instance's, each act's): a flood of closings cannot grow this. */
const MAX_GONE = 1000;

/** What a sync changed: stand-ins new to an act (to be brought up to date), and those gone for good. */
export interface PagesChange {
  added: { peer: StandIn; sessionId: string }[];
  closed: StandIn[];
}

export class RemotePages {
  private readonly entries = new Map<string, Entry>();
  /** `from/pageId/sessionId` of stand-ins let go lately → when. */
  private readonly gone = new Map<string, number>();

  constructor(private readonly o: RemotePagesOptions) {}

  /** Every stand-in page (for the relay's page loops: the participants' lists, presence). */
  peers(): StandIn[] {
    return [...this.entries.values()].map((e) => e.peer);
  }

  /** The stand-in of page `pageId` of instance `from`, if it is announced for `sessionId`. */
  find(from: string, pageId: string, sessionId: string): StandIn | undefined {
    const e = this.entries.get(`${from}/${pageId}`);
    return e?.sessions.has(sessionId) ? e.peer : undefined;
  }

  /**
   * Instance `from` says which of its pages are for `sessionId` now (each already checked as this
   * act's specialist): the new ones are stood for, the others no longer get this act.
   */
  sync(from: string, sessionId: string, pages: readonly { id: string; specialist: Specialist }[]): PagesChange {
    const change: PagesChange = { added: [], closed: [] };
    const listed = new Set(pages.map((p) => p.id));
    const t = this.o.now();
    for (const p of pages) {
      const key = `${from}/${p.id}`;
      let e = this.entries.get(key);
      if (e && e.peer.specialist.id !== p.specialist.id) {
        change.closed.push(e.peer);
        this.letGo(key, e);
        e = undefined;
      }
      if (!e) {
        const pageId = p.id;
        const sessions = new Set<string>();
        e = {
          from,
          pageId,
          sessions,
          seen: t,
          peer: {
            specialist: p.specialist,
            // Only what is about the acts it stands for (not the waiting rooms, not other acts).
            send: (m) => {
              if ('sessionId' in m && typeof m.sessionId === 'string' && sessions.has(m.sessionId)) this.o.send(from, pageId, m);
            },
          },
        };
        this.entries.set(key, e);
      }
      e.seen = t;
      if (!e.sessions.has(sessionId)) {
        e.sessions.add(sessionId);
        change.added.push({ peer: e.peer, sessionId });
      }
    }
    for (const [key, e] of this.entries)
      if (e.from === from && !listed.has(e.pageId) && e.sessions.has(sessionId)) {
        this.remember(e, sessionId);
        e.sessions.delete(sessionId);
        if (e.sessions.size > 0) continue;
        this.entries.delete(key);
        change.closed.push(e.peer);
      }
    return change;
  }

  /** The act is no longer followed here (ended, handed over): no page is stood for it; returns those gone for good. */
  dropAct(sessionId: string): StandIn[] {
    const closed: StandIn[] = [];
    for (const [key, e] of this.entries)
      if (e.sessions.has(sessionId)) {
        this.remember(e, sessionId);
        e.sessions.delete(sessionId);
        if (e.sessions.size > 0) continue;
        this.entries.delete(key);
        closed.push(e.peer);
      }
    return closed;
  }

  /** Stand-ins whose instance has not announced them for `silentMs` (it was killed, or lost its channel): gone. */
  expire(silentMs: number): StandIn[] {
    const t = this.o.now();
    const closed: StandIn[] = [];
    for (const [key, e] of this.entries)
      if (t - e.seen > silentMs) {
        this.letGo(key, e);
        closed.push(e.peer);
      }
    return closed;
  }

  /** Every stand-in of instance `from` (its channel lost): gone. */
  dropInstance(from: string): StandIn[] {
    const closed: StandIn[] = [];
    for (const [key, e] of this.entries)
      if (e.from === from) {
        this.letGo(key, e);
        closed.push(e.peer);
      }
    return closed;
  }

  /**
   * Instance `from` says its page `pageId` is gone (a message sent to it found none): no longer stood for, for any
   * act; returns its stand-in, or undefined when none was stood for (gone already, or never).
   */
  pageGone(from: string, pageId: string): StandIn | undefined {
    const key = `${from}/${pageId}`;
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.letGo(key, e);
    return e.peer;
  }

  /** Whether page `pageId` of instance `from` is stood for `sessionId`, or was within GONE_KEPT_MS. */
  wasStoodFor(from: string, pageId: string, sessionId: string): boolean {
    if (this.find(from, pageId, sessionId)) return true;
    const at = this.gone.get(`${from}/${pageId}/${sessionId}`);
    return at !== undefined && this.o.now() - at <= GONE_KEPT_MS;
  }

  /** No longer stood for: remembered as gone for each of its acts; its stand-in, if still held somewhere, sends nothing. */
  private letGo(key: string, e: Entry): void {
    for (const sid of e.sessions) this.remember(e, sid);
    e.sessions.clear();
    this.entries.delete(key);
  }

  private remember(e: Entry, sessionId: string): void {
    const t = this.o.now();
    for (const [k, at] of this.gone) if (t - at > GONE_KEPT_MS || this.gone.size >= MAX_GONE) this.gone.delete(k);
    this.gone.set(`${e.from}/${e.pageId}/${sessionId}`, t);
  }
}
