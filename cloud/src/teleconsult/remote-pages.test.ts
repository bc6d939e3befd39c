/**
 * The owner's stand-ins for another instance's pages (remote-pages.ts): a page its instance says is gone
 * (`page-gone`) is no longer stood for, for any act, and is still known as one that was for a while, so that
 * its instance's word about a message sent just before is taken even after its `pages` update.
 */
import { describe, expect, it } from 'vitest';
import { GONE_KEPT_MS, RemotePages } from './remote-pages.js';
import type { Specialist } from './specialists.js';
import type { CloudMessage } from './ws-messages.js';

const blanc = { id: 'dr-blanc', name: 'Dr Marc Blanc', role: 'specialist' } as unknown as Specialist;

function pages() {
  let now = 0;
  const sent: { to: string; pageId: string; message: CloudMessage }[] = [];
  const r = new RemotePages({ send: (to, pageId, message) => sent.push({ to, pageId, message }), now: () => now });
  return { r, sent, at: (t: number) => (now = t) };
}

describe('RemotePages', () => {
  it('a page said gone is stood for no act any more, and known as one that was for GONE_KEPT_MS', () => {
    const { r, sent, at } = pages();
    r.sync('b', 'act-1', [{ id: 'page-1', specialist: blanc }]);
    r.sync('b', 'act-2', [{ id: 'page-1', specialist: blanc }]);
    const peer = r.find('b', 'page-1', 'act-1');
    expect(peer).toBeDefined();
    at(1000);
    expect(r.pageGone('b', 'page-1')).toBe(peer);
    expect(r.find('b', 'page-1', 'act-1')).toBeUndefined();
    expect(r.find('b', 'page-1', 'act-2')).toBeUndefined();
    expect(r.peers()).toEqual([]);
    // What it is sent now goes nowhere.
    peer?.send({ type: 'participants', sessionId: 'act-1', participants: [] });
    expect(sent).toEqual([]);
    expect(r.pageGone('b', 'page-1')).toBeUndefined();
    expect(r.wasStoodFor('b', 'page-1', 'act-1')).toBe(true);
    expect(r.wasStoodFor('b', 'page-1', 'act-2')).toBe(true);
    // Another instance's page of the same id, another act: never stood for.
    expect(r.wasStoodFor('c', 'page-1', 'act-1')).toBe(false);
    expect(r.wasStoodFor('b', 'page-1', 'act-3')).toBe(false);
    at(1000 + GONE_KEPT_MS + 1);
    expect(r.wasStoodFor('b', 'page-1', 'act-1')).toBe(false);
  });

  it('a page its instance no longer lists for an act was stood for it; one never listed was not', () => {
    const { r, at } = pages();
    r.sync('b', 'act-1', [
      { id: 'page-1', specialist: blanc },
      { id: 'page-2', specialist: blanc },
    ]);
    r.sync('b', 'act-2', [{ id: 'page-1', specialist: blanc }]);
    at(10);
    const change = r.sync('b', 'act-1', [{ id: 'page-2', specialist: blanc }]);
    // Still stood for act-2: not closed, but no longer for act-1.
    expect(change.closed).toEqual([]);
    expect(r.find('b', 'page-1', 'act-1')).toBeUndefined();
    expect(r.find('b', 'page-1', 'act-2')).toBeDefined();
    expect(r.wasStoodFor('b', 'page-1', 'act-1')).toBe(true);
    expect(r.pageGone('b', 'page-3')).toBeUndefined();
    expect(r.wasStoodFor('b', 'page-3', 'act-1')).toBe(false);
    // The act ends: its pages were stood for it.
    expect(r.dropAct('act-2')).toHaveLength(1);
    expect(r.wasStoodFor('b', 'page-1', 'act-2')).toBe(true);
  });
});
