import { describe, expect, it } from 'vitest';
import { pinMatches, pinProblem, pinVerifier } from './pin.js';

describe('nurse PIN', () => {
  it('accepts 4 to 6 digits that are neither one digit repeated nor a run', () => {
    for (const ok of ['2580', '73915', '190482', '1235']) expect(pinProblem(ok), ok).toBeNull();
    for (const bad of ['123', '1234567', '12a4', '', '0000', '999999', '1234', '4321', '89012', '210987'])
      expect(pinProblem(bad), bad).not.toBeNull();
  });

  it('keeps a salted scrypt verifier that matches the PIN only, never the PIN itself', async () => {
    const v = await pinVerifier('2580');
    const again = await pinVerifier('2580');
    expect(v.salt).not.toBe(again.salt);
    expect(v.hash).not.toBe(again.hash);
    expect(JSON.stringify(v)).not.toContain('2580');
    expect(await pinMatches('2580', v)).toBe(true);
    expect(await pinMatches('2581', v)).toBe(false);
    expect(await pinMatches('25800', v)).toBe(false);
    await expect(pinVerifier('1111')).rejects.toThrow(/repeated/);
  });
});
