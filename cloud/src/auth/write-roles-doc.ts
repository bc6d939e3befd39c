/**
 * Rewrites the generated matrix of docs/roles.md from auth/permissions.ts.
 *
 *   npm run docs:roles      (builds, then runs this module)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withRolesMatrix } from './roles-doc.js';

/** src/auth/ and dist/auth/ are both three levels below the repository root. */
export const ROLES_DOC_FILE = fileURLToPath(new URL('../../../docs/roles.md', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ROLES_DOC_FILE, withRolesMatrix(readFileSync(ROLES_DOC_FILE, 'utf8')));
  process.stdout.write('wrote docs/roles.md\n');
}
