/**
 * Runtime validation at trust boundaries. Schemas are compiled once; errors name the path
 * and what was expected, so an operator can fix a payload or a config from one line.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';

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
        for (const issue of explained(e)) {
          issues.push(issue);
          if (issues.length >= MAX_ISSUES) break;
        }
        if (issues.length >= MAX_ISSUES) break;
      }
      return { ok: false, issues };
    },
  };
}

export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
}

/** The literal property that tells a union's object members apart (`kind`, `type`…), if one does. */
function discriminant(members: readonly TSchema[]): string | undefined {
  const first = members[0]?.properties as Record<string, TSchema> | undefined;
  if (!first) return undefined;
  return Object.keys(first).find((key) =>
    members.every((m) => {
      const p = (m.properties as Record<string, TSchema> | undefined)?.[key];
      return p !== undefined && p.const !== undefined;
    }),
  );
}

/**
 * One validation error as issues. A union's own error (« Expected union value ») says nothing of what is wrong: when
 * its members are told apart by a literal property (a signal's `kind`, a message's `type`), the errors of the member
 * the value names are said instead (nested unions the same way), or the values that property may take; a union of
 * values that are not objects (a number or null) says what each member expected.
 */
function* explained(e: ValueError): Generator<ValidationIssue> {
  const members = e.type === ValueErrorType.Union ? (e.schema.anyOf as TSchema[] | undefined) : undefined;
  const key = members ? discriminant(members) : undefined;
  if (members && key !== undefined && typeof e.value === 'object' && e.value !== null && !Array.isArray(e.value)) {
    const said = (e.value as Record<string, unknown>)[key];
    const i = members.findIndex((m) => (m.properties as Record<string, TSchema>)[key]?.const === said);
    const errors = i >= 0 ? e.errors[i] : undefined;
    if (errors) {
      let count = 0;
      for (const inner of errors)
        for (const issue of explained(inner)) {
          count++;
          yield issue;
        }
      if (count > 0) return;
    } else {
      const allowed = members.map((m) => JSON.stringify((m.properties as Record<string, TSchema>)[key]?.const)).join(', ');
      yield { path: `${e.path}/${key}`, message: `Expected one of ${allowed}` };
      return;
    }
  }
  if (members?.every((m) => m.type !== 'object')) {
    // A value or null, one of several literals…: what each member expected, rather than « Expected union value ».
    const expected = e.errors.map((errors) => errors.First()?.message).filter((m): m is string => m !== undefined);
    if (expected.length === members.length) {
      yield { path: e.path, message: [...new Set(expected)].join(' or ') };
      return;
    }
  }
  yield { path: e.path, message: e.message };
}
