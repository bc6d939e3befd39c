/**
 * Fastify compiles every route's schemas (an ajv validator per request part, a fast-json-stringify
 * serializer per response status) when the app gets ready: 469 schemas, 392 ms of CPU, 0.08× that
 * lazily (docs/region.md, « A cloud instance's start »), paid by every start — a failover, a
 * rolling restart, each test's cloud — for routes most starts never serve. These factories wrap
 * Fastify's own compilers, with the same options and shared schemas, so a schema is compiled on its
 * route's first request instead; `compileAll` compiles what is pending (tests: every schema compiles).
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;
type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (doc: unknown) => string;

export interface LazySchemaCompilers {
  compilersFactory: { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory };
  /** Compiles every schema not compiled yet; returns how many it compiled. */
  compileAll(): number;
}

/** `make` called on the first call of the returned function (kept in `pending` until then). */
function onFirstUse<T>(pending: Set<() => unknown>, make: () => T): () => T {
  let made: { value: T } | undefined;
  const load = (): T => {
    if (made === undefined) {
      made = { value: make() };
      pending.delete(load);
    }
    return made.value;
  };
  pending.add(load);
  return load;
}

export function lazySchemaCompilers(): LazySchemaCompilers {
  const pending = new Set<() => unknown>();
  const eagerValidators = AjvCompiler() as unknown as (ext: unknown, opts: unknown) => (route: unknown) => Validate;
  const eagerSerializers = SerializerSelector() as unknown as (ext: unknown, opts: unknown) => (route: unknown) => Serialize;

  const buildValidator = ((externalSchemas: unknown, options: unknown) => {
    const compile = eagerValidators(externalSchemas, options);
    return (route: unknown): Validate => {
      const load = onFirstUse(pending, () => compile(route));
      const validate: Validate = (data, ctx) => {
        const f = load();
        const ok = f(data, ctx);
        validate.errors = f.errors;
        return ok;
      };
      // Fastify passes the parent object (so ajv may coerce or default a root value) only to a
      // function with schemaEnv, as ajv's own have.
      validate.schemaEnv = true;
      return validate;
    };
  }) as unknown as ValidatorFactory;

  const buildSerializer = ((externalSchemas: unknown, options: unknown) => {
    const compile = eagerSerializers(externalSchemas, options);
    return (route: unknown): Serialize => {
      const load = onFirstUse(pending, () => compile(route));
      return (doc) => load()(doc);
    };
  }) as unknown as SerializerFactory;

  return {
    compilersFactory: { buildValidator, buildSerializer },
    compileAll() {
      const n = pending.size;
      for (const load of [...pending]) load();
      return n;
    },
  };
}
