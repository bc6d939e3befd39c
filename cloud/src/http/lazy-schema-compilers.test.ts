/**
 * The lazy compilers behave as Fastify's own (they wrap them): a body refused with the field named,
 * a query coerced and defaulted, a response serialized by its schema — and nothing compiled until
 * a route is served or compileAll is called, which surfaces a broken schema.
 */
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';

function appWith(compilers = lazySchemaCompilers()) {
  const app = Fastify({
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: compilers.compilersFactory },
  });
  app.post(
    '/readings',
    {
      schema: {
        body: Type.Object({ value: Type.Number(), unit: Type.String() }, { additionalProperties: false }),
        querystring: Type.Object({ tags: Type.Array(Type.String()), limit: Type.Integer({ default: 10 }) }),
        response: { 200: Type.Object({ value: Type.Number(), tags: Type.Array(Type.String()), limit: Type.Integer() }) },
      },
    },
    async (req) => {
      const q = req.query as { tags: string[]; limit: number };
      // `secret` is not in the response schema: the serializer leaves it out.
      return { value: (req.body as { value: number }).value, tags: q.tags, limit: q.limit, secret: 'x' };
    },
  );
  return { app, compilers };
}

describe('lazy schema compilers', () => {
  it('compile nothing at ready, then validate and serialize as the eager ones do', async () => {
    const { app, compilers } = appWith();
    await app.ready();
    const ok = await app.inject({ method: 'POST', url: '/readings?tags=a', payload: { value: 37.2, unit: 'Cel' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ value: 37.2, tags: ['a'], limit: 10 });

    const bad = await app.inject({ method: 'POST', url: '/readings?tags=a', payload: { value: 'high', unit: 'Cel' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/body\/value must be number/);
    const extra = await app.inject({ method: 'POST', url: '/readings?tags=a', payload: { value: 1, unit: 'Cel', x: 1 } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/additional properties/);
    expect(compilers.compileAll()).toBe(0);
    await app.close();
  });

  it('compileAll compiles what no request reached, and reports a schema that does not compile', async () => {
    const { app, compilers } = appWith();
    await app.ready();
    // body and querystring validators, the 200 serializer
    expect(compilers.compileAll()).toBe(3);
    expect(compilers.compileAll()).toBe(0);
    await app.close();

    const broken = lazySchemaCompilers();
    const b = Fastify({ schemaController: { compilersFactory: broken.compilersFactory } });
    b.post('/x', { schema: { body: { type: 'object', properties: { n: { type: 'nope' } } } } }, async () => 'ok');
    await b.ready();
    expect(() => broken.compileAll()).toThrow(/nope|type/);
    await b.close();
  });
});
