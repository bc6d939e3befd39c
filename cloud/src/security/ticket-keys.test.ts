import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TICKET_KEY_FILE, TICKET_KEY_ROTATION_MS, TicketKeys } from './ticket-keys.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('TLS session-ticket key', () => {
  it('is made once (48 bytes, 0600), read back by the next process, and rotated only once due', () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-ticket-'));
    let t = Date.parse('2026-12-01T00:00:00Z');
    const now = () => new Date(t);
    const first = TicketKeys.open(dir, now);
    expect(first.current()).toHaveLength(48);
    expect(statSync(join(dir, TICKET_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = TicketKeys.open(dir, now);
    expect(again.current().equals(first.current())).toBe(true);

    t += TICKET_KEY_ROTATION_MS - 1;
    expect(again.rotateIfDue()).toBe(false);
    t += 1;
    expect(again.rotateIfDue()).toBe(true);
    expect(again.current().equals(first.current())).toBe(false);
    // The new key is the one the next start reads.
    expect(TicketKeys.open(dir, now).current().equals(again.current())).toBe(true);
  });

  it('replaces a file that is not a key, and says why', () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-ticket-'));
    const file = join(dir, TICKET_KEY_FILE);
    writeFileSync(file, '{"key":"c2hvcnQ=","createdAt":"2026-12-01T00:00:00Z"}', { mode: 0o600 });
    const problems: string[] = [];
    const keys = TicketKeys.open(
      dir,
      () => new Date(),
      (p) => problems.push(p),
    );
    expect(problems).toEqual([expect.stringMatching(/tls-ticket-key\.json: not a ticket key \(\/key: /)]);
    expect(keys.current()).toHaveLength(48);
    expect(JSON.parse(readFileSync(file, 'utf8')).key).toBe(keys.current().toString('base64'));
  });
});
