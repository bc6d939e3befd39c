/**
 * The rows of the authentication throttle (security/auth-throttle.ts) as the stores keep them
 * (migration 9). The store only reads and writes them atomically; the policy lives in the throttle.
 */

/** The failure state of one key: `account:<id>`, `source:<address>`, `enroll-source:<address>`. */
export interface ThrottleRow {
  key: string;
  /** Failed (or not yet decided) attempts in a row. */
  failures: number;
  lastFailureMs: number;
  /** Attempts before this time are refused without looking at the secret; 0 when not blocked. */
  blockedUntilMs: number;
}

/** What a throttle decision writes back, and what it answers. */
export interface ThrottleChange<T> {
  write: readonly ThrottleRow[];
  remove: readonly string[];
  result: T;
}

/** Reads the rows of `keys`, hands them to `decide`, applies its change: one atomic step. */
export type ThrottleDecide<T> = (rows: ReadonlyMap<string, ThrottleRow>) => ThrottleChange<T>;
