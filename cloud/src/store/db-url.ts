/** The `db` setting of the cloud: which database keeps the store (schema only, no driver imports). */
import { Type } from '@sinclair/typebox';

export const DbUrl = Type.String({
  pattern: '^postgres(ql)?://',
  description: 'PostgreSQL URL (postgres://user:password@host:5432/database) for the cloud store; default: SQLite in dataDir',
});

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}
