/**
 * A clinician account for tests that read patient data over HTTP (not used at run time): an API
 * token made for the test run, the account to put in `teleconsult.specialists`, and the headers.
 */

import type { Role } from '../auth/permissions.js';
import type { TeleconsultOptions } from '../teleconsult/config.js';
import { newToken } from '../teleconsult/passwords.js';

type SpecialistOption = NonNullable<TeleconsultOptions['specialists']>[number];

export interface TestClinician {
  account: SpecialistOption;
  token: string;
  headers: { authorization: string };
}

/** Every cart and the audit right by default; narrow it with `gateways`/`sites`. */
export function testClinician(
  o: { id?: string; name?: string; gateways?: string[]; sites?: string[]; audit?: boolean; role?: Role } = {},
): TestClinician {
  const { token, tokenSha256 } = newToken();
  const id = o.id ?? 'dr-test';
  return {
    account: {
      id,
      name: o.name ?? `Dr ${id}`,
      tokenSha256,
      gateways: o.gateways ?? ['*'],
      sites: o.sites ?? [],
      audit: o.audit ?? true,
      ...(o.role ? { role: o.role } : {}),
    },
    token,
    headers: { authorization: `Bearer ${token}` },
  };
}
