/** Small pieces of observation queries shared by the SQLite and PostgreSQL stores. */
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './cloud-store.js';

export function asArray<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  return Math.max(0, Math.min(MAX_PAGE_SIZE, Math.trunc(limit)));
}

export function clampOffset(offset: number | undefined): number {
  return Math.max(0, Math.trunc(offset ?? 0));
}
