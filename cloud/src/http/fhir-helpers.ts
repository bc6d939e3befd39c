/** What the FHIR routes share: the server base, 400s as OperationOutcome naming the parameter, FHIR id → local patient id. */
import { toFhirId } from '@telecart/devices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_JSON, operationOutcome } from '../fhir/operation-outcome.js';
import type { CloudStore } from '../store/cloud-store.js';
import type { HttpDeps } from './deps.js';

export function baseUrl(req: FastifyRequest, deps: HttpDeps): string {
  const origin = deps.publicBaseUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return `${origin}/fhir`;
}

export interface AjvIssue {
  keyword: string;
  instancePath: string;
  params: { additionalProperty?: unknown };
}

/** The first schema issue of a fastify validation error (fastify types it loosely). */
export function firstIssue(err: Error & { validation?: unknown }): AjvIssue | undefined {
  return Array.isArray(err.validation) ? (err.validation[0] as AjvIssue | undefined) : undefined;
}

/** The parameter an AJV error is about: the offending property, or the one that is not allowed. */
export function parameterOf(v: AjvIssue | undefined): string | undefined {
  if (!v) return undefined;
  const extra = v.params.additionalProperty;
  if (typeof extra === 'string') return extra;
  const name = v.instancePath.split('/')[1];
  return name === undefined || name === '' ? undefined : name;
}

export function badRequest(reply: FastifyReply, diagnostics: string, parameter?: string) {
  return reply
    .code(400)
    .type(FHIR_JSON)
    .send(operationOutcome('invalid', diagnostics, parameter));
}

/**
 * A search whose query failed its schema: 400 naming the parameter — an unknown one (`hint` may say how the
 * resource is searched), or a bad value with the validator's words.
 */
export function searchRefused(reply: FastifyReply, err: Error & { validation?: unknown }, hint = '') {
  const issue = firstIssue(err);
  const parameter = parameterOf(issue);
  return badRequest(
    reply,
    issue?.keyword === 'additionalProperties'
      ? `unknown search parameter '${parameter}'${hint}`
      : `invalid value for ${parameter ?? 'the query'}: ${err.message}`,
    parameter,
  );
}

/** A FHIR id (Patient/<id>) back to the local patient id it was made from (ids may have been rewritten by toFhirId). */
export async function localPatientId(store: CloudStore, fhirId: string): Promise<string> {
  if (await store.getPatient(fhirId)) return fhirId;
  const match = (await store.listPatients()).find((p) => toFhirId(p.id) === fhirId);
  return match?.id ?? fhirId;
}
