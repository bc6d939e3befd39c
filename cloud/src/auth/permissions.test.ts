import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, permissionsOf, ROLE_TABLE, ROLES, roleHas, rppsProblem } from './permissions.js';
import { BEGIN_MARKER, END_MARKER, REGENERATE_ROLES_COMMAND, rolesMatrixMarkdown, withRolesMatrix } from './roles-doc.js';
import { ROLES_DOC_FILE } from './write-roles-doc.js';

describe('docs/roles.md', () => {
  it(`holds the matrix generated from permissions.ts (run \`${REGENERATE_ROLES_COMMAND}\`)`, () => {
    const committed = readFileSync(ROLES_DOC_FILE, 'utf8');
    expect(committed, `docs/roles.md is stale: run \`${REGENERATE_ROLES_COMMAND}\` and commit the result`).toBe(withRolesMatrix(committed));
  });

  it('shows one row per permission and one column per role, a mark exactly where the table grants it', () => {
    const md = rolesMatrixMarkdown();
    for (const p of PERMISSIONS) {
      const row = md.split('\n').find((l) => l.startsWith(`| \`${p}\` | `) && /[✔·]/.test(l));
      const cells = row
        ?.split('|')
        .slice(2, -1)
        .map((c) => c.trim());
      expect(cells, p).toEqual(ROLES.map((r) => (roleHas(r, p) ? '✔' : '·')));
    }
  });

  it('refuses a document without the markers', () => {
    expect(() => withRolesMatrix('# roles\n')).toThrow(/markers/);
    expect(withRolesMatrix(`a\n${BEGIN_MARKER}\nold\n${END_MARKER}\nb`)).toBe(`a\n${rolesMatrixMarkdown()}\nb`);
  });
});

describe('the role table', () => {
  it('grants only known permissions, each permission to at least one role', () => {
    for (const r of ROLES) for (const p of ROLE_TABLE[r].permissions) expect(PERMISSIONS).toContain(p);
    for (const p of PERMISSIONS)
      expect(
        ROLES.some((r) => roleHas(r, p)),
        p,
      ).toBe(true);
  });

  it('keeps clinical data from the secretary, the administrator and the auditor', () => {
    for (const r of ['coordinator', 'site-admin', 'auditor'] as const) {
      expect(roleHas(r, 'vitals.read'), r).toBe(false);
      expect(roleHas(r, 'reports.read'), r).toBe(false);
    }
  });

  it('adds the audit right of a configured account to its role', () => {
    expect(permissionsOf('specialist').has('audit.read')).toBe(false);
    expect(permissionsOf('specialist', { audit: true }).has('audit.read')).toBe(true);
  });
});

describe('rppsProblem', () => {
  it('accepts an 11-digit number with its Luhn key and says why it refuses the others', () => {
    expect(rppsProblem('10000000009')).toBeNull();
    expect(rppsProblem('10003456786')).toBeNull();
    expect(rppsProblem('10000000008')).toMatch(/check digit/);
    expect(rppsProblem('1000000000')).toMatch(/11 digits/);
    expect(rppsProblem('1000000000a')).toMatch(/11 digits/);
  });
});
