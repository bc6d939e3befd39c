/**
 * The role × permission matrix of docs/roles.md, rendered from auth/permissions.ts. The doc keeps
 * its prose by hand; only the part between the two markers is generated (`npm run docs:roles`), and
 * roles-doc.test.ts fails when the committed matrix is stale.
 */
import { PERMISSION_TEXT, PERMISSIONS, ROLE_TABLE, ROLES } from './permissions.js';

export const BEGIN_MARKER = '<!-- roles matrix: generated from cloud/src/auth/permissions.ts by `npm run docs:roles`; do not edit -->';
export const END_MARKER = '<!-- end of roles matrix -->';
export const REGENERATE_ROLES_COMMAND = 'npm run docs:roles';

/** The generated block, markers included. */
export function rolesMatrixMarkdown(): string {
  const lines: string[] = [BEGIN_MARKER, ''];
  lines.push(`| permission | ${ROLES.map((r) => `\`${r}\``).join(' | ')} |`);
  lines.push(`|---|${ROLES.map(() => ':-:').join('|')}|`);
  for (const p of PERMISSIONS)
    lines.push(`| \`${p}\` | ${ROLES.map((r) => (ROLE_TABLE[r].permissions.includes(p) ? '✔' : '·')).join(' | ')} |`);
  lines.push('', '| role | who | RPPS required |', '|---|---|---|');
  for (const r of ROLES) lines.push(`| \`${r}\` | ${ROLE_TABLE[r].title} | ${ROLE_TABLE[r].rpps ? 'yes' : 'no'} |`);
  lines.push('', '| permission | lets the account |', '|---|---|');
  for (const p of PERMISSIONS) lines.push(`| \`${p}\` | ${PERMISSION_TEXT[p]} |`);
  lines.push('', END_MARKER);
  return lines.join('\n');
}

/** The document with its matrix block replaced by the generated one; throws if the markers are missing. */
export function withRolesMatrix(doc: string): string {
  const start = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`docs/roles.md: the markers of the generated matrix are missing (${BEGIN_MARKER})`);
  return doc.slice(0, start) + rolesMatrixMarkdown() + doc.slice(end + END_MARKER.length);
}

export const ROUTES_BEGIN = '<!-- routes by permission: checked against the cloud app by route-permissions.test.ts -->';
export const ROUTES_END = '<!-- end of routes by permission -->';

/** The list of routes each permission guards (HEAD left out: it follows GET), from the app's route table. */
export function routesByPermissionMarkdown(routes: readonly { method: string; url: string; permission: string | undefined }[]): string {
  const lines = [ROUTES_BEGIN, ''];
  for (const p of [...PERMISSIONS, 'own-account']) {
    const mine = routes.filter((r) => r.permission === p && r.method !== 'HEAD').map((r) => `\`${r.method} ${r.url}\``);
    lines.push(`- \`${p}\`: ${mine.length > 0 ? mine.join(', ') : 'no route yet'}`);
  }
  lines.push('', ROUTES_END);
  return lines.join('\n');
}

/** The committed list in docs/roles.md, markers included, or '' when missing. */
export function committedRoutesByPermission(doc: string): string {
  const start = doc.indexOf(ROUTES_BEGIN);
  const end = doc.indexOf(ROUTES_END);
  return start < 0 || end < start ? '' : doc.slice(start, end + ROUTES_END.length);
}
