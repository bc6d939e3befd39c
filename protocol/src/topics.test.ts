import { describe, expect, it } from 'vitest';
import { parseTopic, topics } from './topics.js';

describe('topic tree', () => {
  it('builds and parses every topic kind', () => {
    expect(parseTopic(topics.uplink('gw-1', 'spot'))).toEqual({ kind: 'uplink', gatewayId: 'gw-1', lane: 'spot' });
    expect(parseTopic(topics.ack('gw-1'))).toEqual({ kind: 'ack', gatewayId: 'gw-1' });
    expect(parseTopic(topics.status('gw-1'))).toEqual({ kind: 'status', gatewayId: 'gw-1' });
    expect(parseTopic(topics.command('gw-1'))).toEqual({ kind: 'command', gatewayId: 'gw-1' });
    expect(topics.agenda('gw-1')).toBe('telecart/v1/gw/gw-1/agenda');
    expect(parseTopic(topics.agenda('gw-1'))).toEqual({ kind: 'agenda', gatewayId: 'gw-1' });
    expect(parseTopic(topics.nurses('gw-1'))).toEqual({ kind: 'nurses', gatewayId: 'gw-1' });
    expect(parseTopic(topics.nurseUp('gw-1'))).toEqual({ kind: 'nurse-up', gatewayId: 'gw-1' });
    expect(parseTopic(topics.nurseDown('gw-1'))).toEqual({ kind: 'nurse-down', gatewayId: 'gw-1' });
    expect(parseTopic('telecart/v1/gw/gw-1/nurse/sideways')).toBeNull();
    expect(topics.allUplinks(true)).toBe('$share/telecart-ingest/telecart/v1/gw/+/up/+');
  });

  it('returns null for anything outside the tree, never throws', () => {
    for (const t of [
      '',
      'telecart',
      'telecart/v1/gw/a/up/bulk',
      'telecart/v2/gw/a/ack',
      'telecart/v1/gw/+/ack',
      'telecart/v1/gw/a/ack/x',
      'x/v1/gw/a/ack',
    ]) {
      expect(parseTopic(t)).toBeNull();
    }
  });

  it('refuses to build a topic for an id with wildcards or separators', () => {
    for (const id of ['a/b', '+', '#', '', 'x'.repeat(65)]) expect(() => topics.ack(id)).toThrow(/invalid gateway id/);
  });
});
