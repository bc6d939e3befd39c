/**
 * What a refusal says of a message off its schema (validate.ts): a union told apart by a literal property
 * (a signal's `kind`, a message's `type`) is explained by the member the message names, nested ones too; a
 * union with no such property keeps TypeBox's own word.
 */
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConvoFromSpecialist } from './schemas/rtc.js';
import { compile, formatIssues } from './validate.js';

const Message = Type.Union([
  Type.Object({ type: Type.Literal('convo'), signal: ConvoFromSpecialist }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('hangup'), reason: Type.Optional(Type.String({ maxLength: 5 })) }, { additionalProperties: false }),
]);
const check = compile(Message);
const said = (v: unknown): string => {
  const r = check.validate(v);
  if (r.ok) throw new Error('valid');
  return formatIssues(r.issues);
};

describe('validation issues of a discriminated union', () => {
  it('names what is wrong in the member the message names, through nested unions', () => {
    expect(said({ type: 'convo', signal: { kind: 'downlink', videoPaused: 'yes' } })).toBe('/signal/videoPaused: Expected boolean');
    expect(said({ type: 'convo', signal: { kind: 'downlink' } })).toMatch(/^\/signal\/videoPaused: Expected required property/);
    expect(said({ type: 'convo', signal: { kind: 'downlink', videoPaused: true, level: 2 } })).toMatch(/^\/signal\/level: /);
    expect(said({ type: 'hangup', reason: 'far too long' })).toBe('/reason: Expected string length less or equal to 5');
  });

  it('says which values the discriminant may take when it names none', () => {
    expect(said({ type: 'convo', signal: { kind: 'offer', pc: 'x', sdp: 'v=0' } })).toBe(
      '/signal/kind: Expected one of "ready", "answer", "ice", "media", "downlink"',
    );
    expect(said({ type: 'join' })).toBe('/type: Expected one of "convo", "hangup"');
  });

  it('says what each member of a union of values expected (a bounded number or null)', () => {
    const Rtt = compile(Type.Object({ rttMs: Type.Union([Type.Number({ minimum: 0, maximum: 10 }), Type.Null()]) }));
    const issues = (v: unknown) => {
      const r = Rtt.validate(v);
      return r.ok ? '' : formatIssues(r.issues);
    };
    expect(issues({ rttMs: 11 })).toBe('/rttMs: Expected number to be less or equal to 10 or Expected null');
    expect(issues({ rttMs: -1 })).toBe('/rttMs: Expected number to be greater or equal to 0 or Expected null');
    expect(issues({ rttMs: '5' })).toBe('/rttMs: Expected number or Expected null');
  });

  it('leaves a union of objects with no discriminant, or a value that is no object, to TypeBox', () => {
    const Either = compile(Type.Union([Type.Object({ a: Type.Number() }), Type.Object({ b: Type.String() })]));
    const r = Either.validate({ c: 1 });
    expect(r.ok ? '' : formatIssues(r.issues)).toBe('/: Expected union value');
    expect(said('convo')).toBe('/: Expected union value');
  });
});
