import { describe, expect, it } from 'vitest';
import { CONNACK_SERVER_UNAVAILABLE_CODE, connectEnd, connectFailure } from './connect-admission.js';

describe('connectFailure', () => {
  it('counts the broker shedding as shed, whichever way it showed', () => {
    for (const err of [
      { message: 'read ECONNRESET', code: 'ECONNRESET' },
      { message: 'Client network socket disconnected before secure TLS connection was established', code: 'ECONNRESET' },
      { message: 'Connection refused: Server unavailable', code: CONNACK_SERVER_UNAVAILABLE_CODE },
    ]) {
      expect(connectFailure(err)).toBe('shed');
      expect(connectEnd(err)).toBe('shed');
    }
  });

  it('tells nobody listening, no CONNACK in time and the rest apart, all failed for the backoff', () => {
    const cases = [
      [{ message: 'connect ECONNREFUSED 127.0.0.1:8883', code: 'ECONNREFUSED' }, 'refused'],
      [{ message: 'connack timeout' }, 'timeout'],
      [{ message: 'connect ETIMEDOUT 10.0.0.1:8883', code: 'ETIMEDOUT' }, 'timeout'],
      [{ message: 'certificate has expired', code: 'CERT_HAS_EXPIRED' }, 'other'],
      [{ message: 'Connection refused: Not authorized', code: 5 }, 'other'],
    ] as const;
    for (const [err, cause] of cases) {
      expect(connectFailure(err)).toBe(cause);
      expect(connectEnd(err)).toBe('failed');
    }
  });
});
