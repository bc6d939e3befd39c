import { describe, expect, it } from 'vitest';
import { identityFromFhir } from './fhir-patient.js';
import { identityProblem } from './service.js';

const base = { family: 'MARTIN', given: 'Jeanne', birthDate: '1938-04-02' } as const;

describe('directory identity rules', () => {
  it('checks the INS key and OID, and that recovered or qualified identities have an INS', () => {
    expect(identityProblem({ ...base, identityStatus: 'provisional' })).toBeNull();
    expect(identityProblem({ ...base, identityStatus: 'qualified', ins: '295109912611193', insOid: '1.2.250.1.213.1.4.8' })).toBeNull();
    expect(identityProblem({ ...base, identityStatus: 'qualified' })).toMatch(/^a qualified identity has an INS/);
    expect(identityProblem({ ...base, identityStatus: 'recovered' })).toMatch(/^a recovered identity has an INS/);
    expect(identityProblem({ ...base, identityStatus: 'validated', ins: '295109912611193' })).toMatch(/^insOid is required with ins/);
    expect(identityProblem({ ...base, identityStatus: 'validated', insOid: '1.2.250.1.213.1.4.8' })).toBe('insOid given without ins');
    expect(identityProblem({ ...base, identityStatus: 'validated', ins: '295109912611193', insOid: '1.2.3' })).toMatch(/is not an INS OID/);
    expect(identityProblem({ ...base, identityStatus: 'validated', ins: '295109912611194', insOid: '1.2.250.1.213.1.4.8' })).toBe(
      'INS 295109912611194: check key 94 is wrong (expected 93)',
    );
  });

  it('reads a FHIR Patient: names, birth date, one INS, the status tag (default provisional)', () => {
    expect(identityFromFhir({ name: [{ family: 'MARTIN', given: ['Jeanne'] }], birthDate: '1938-04-02' })).toEqual({
      ok: true,
      identity: { ...base, identityStatus: 'provisional' },
    });
    expect(identityFromFhir({ name: [{ family: 'MARTIN' }], birthDate: '1938-04-02' })).toMatchObject({ ok: false });
    expect(
      identityFromFhir({
        name: [{ family: 'MARTIN', given: ['Jeanne'] }],
        birthDate: '1938-04-02',
        meta: { tag: [{ system: 'urn:telecart:identity-status', code: 'certain' }] },
      }),
    ).toMatchObject({ ok: false, message: expect.stringMatching(/one of provisional, recovered, validated, qualified$/) });
    expect(
      identityFromFhir({
        name: [{ family: 'MARTIN', given: ['Jeanne'] }],
        birthDate: '1938-04-02',
        identifier: [
          { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '295109912611193' },
          { system: 'urn:oid:1.2.250.1.213.1.4.9', value: '295109912611193' },
        ],
      }),
    ).toEqual({ ok: false, message: 'more than one INS identifier' });
  });
});
