import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnRestOptions } from './service.js';
import { issueTurnCredentials } from './turn-credentials.js';

describe('issueTurnCredentials (TURN REST API)', () => {
  const o = { urls: ['turn:turn.example.org:3478?transport=udp'], sharedSecret: 'a-secret-of-24-characters', ttlSeconds: 3600 };

  it('signs <expiry>:<subject> with HMAC-SHA1 of the shared secret, expiry = now + ttl', () => {
    const now = Date.parse('2026-12-06T10:00:00.400Z');
    const c = issueTurnCredentials(o, 'act-7.cart', now);
    expect(c.username).toBe(`${Date.parse('2026-12-06T11:00:00Z') / 1000}:act-7.cart`);
    expect(c.credential).toBe(createHmac('sha1', o.sharedSecret).update(c.username).digest('base64'));
    expect(c.expiresAt).toBe('2026-12-06T11:00:00.000Z');
    expect(c.urls).toEqual(o.urls);
  });
});

describe('turnRestOptions', () => {
  const cfg = { urls: ['turn:127.0.0.1:3478'], sharedSecretFile: '/etc/telecart/turn-secret', ttlSeconds: 21_600 };

  it('reads the secret from its file, trimmed', () => {
    expect(turnRestOptions(cfg, () => '  0123456789abcdef0123\n').sharedSecret).toBe('0123456789abcdef0123');
  });

  it('stops the start on a missing file or a short secret, naming the file', () => {
    expect(() =>
      turnRestOptions(cfg, () => {
        throw new Error('ENOENT: no such file or directory');
      }),
    ).toThrow(/sharedSecretFile \/etc\/telecart\/turn-secret: ENOENT/);
    expect(() => turnRestOptions(cfg, () => 'short\n')).toThrow(/5 characters, at least 16/);
  });
});
