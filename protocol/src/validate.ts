/**
 * Runtime validation at trust boundaries. Schemas are compiled once; errors name the path
 * and what was expected, so an operator can fix a payload or a config from one line.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)));
}

export interface ValidationIssue {
  /** JSON pointer of the offending value, '' for the root. */
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface Validator<S extends TSchema> {
  readonly schema: S;
  check(value: unknown): value is Static<S>;
  validate(value: unknown): Validated<Static<S>>;
}

const MAX_ISSUES = 10;

export function compile<S extends TSchema>(schema: S): Validator<S> {
  const checker: TypeCheck<S> = TypeCompiler.Compile(schema);
  return {
    schema,
    check: (value: unknown): value is Static<S> => checker.Check(value),
    validate(value: unknown): Validated<Static<S>> {
      if (checker.Check(value)) return { ok: true, value };
      const issues: ValidationIssue[] = [];
      for (const e of checker.Errors(value)) {
        issues.push({ path: e.path, message: e.message });
        if (issues.length >= MAX_ISSUES) break;
      }
      return { ok: false, issues };
    },
  };
}

export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
}
