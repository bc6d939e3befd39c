/**
 * What an account manages (docs/patient-directory.md, "Scope"): the sites of its account, or every
 * site when its account sees every cart (`gateways: ['*']`). Directory, enrolment and administration
 * routes answer another site's patient or cart exactly as an unknown one (404), so nobody learns it
 * exists, and write an audit line for each such refusal.
 */
import type { FastifyRequest } from 'fastify';
import type { CloudStore } from '../../store/cloud-store.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from '../routes/specialist-auth.js';

type Tc = NonNullable<HttpDeps['teleconsult']>;
export type SiteScope = 'all' | ReadonlySet<string>;

function matches(pattern: string, gatewayId: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? gatewayId.startsWith(pattern.slice(0, -1)) : pattern === gatewayId;
}

/** The sites this account manages, or 'all' for an account that sees every cart. */
export function managedSites(tc: Tc, accountId: string): SiteScope {
  const c = tc.directory.config(accountId);
  if (!c) return new Set();
  return c.gateways.includes('*') ? 'all' : new Set(c.sites);
}

export function managesSite(scope: SiteScope, siteId: string | null): boolean {
  return scope === 'all' || (siteId !== null && scope.has(siteId));
}

/** Whether the cart is in one of the managed sites (or among the account's own cart patterns). */
export function managesCart(tc: Tc, accountId: string, gatewayId: string): boolean {
  return tc.directory.patternsFor(accountId).some((p) => matches(p, gatewayId));
}

/**
 * Whether the account manages this patient: the cart the patient is on (or the carts its readings
 * and configuration assign), else the site it was last on. A patient never placed on a cart nor a
 * site (just created) belongs to no site yet: every administrator may admit it.
 */
export async function managesPatient(
  tc: Tc,
  store: Pick<CloudStore, 'getDirectoryPatient' | 'patientGateways'>,
  accountId: string,
  patientId: string,
): Promise<boolean> {
  const scope = managedSites(tc, accountId);
  if (scope === 'all') return true;
  const p = await store.getDirectoryPatient(patientId);
  if (p === null) return true; // unknown: the route answers its own 404
  const carts = p.gatewayId !== null ? [p.gatewayId] : await store.patientGateways(patientId);
  if (carts.length > 0) return carts.some((g) => managesCart(tc, accountId, g));
  return p.siteId === null || scope.has(p.siteId);
}

/** The audit line of a refusal for scope (the caller answers 404). */
export function auditOutOfScope(tc: Tc, req: FastifyRequest, what: { patientId?: string; gatewayId?: string; detail: string }): void {
  const who = currentSpecialist(req);
  tc.relay.recordAudit({
    actor: who.id,
    actorRole: who.role,
    action: 'scope-refused',
    ...(what.patientId !== undefined ? { patientId: what.patientId } : {}),
    ...(what.gatewayId !== undefined ? { gatewayId: what.gatewayId } : {}),
    detail: `${req.method} ${req.url}: ${what.detail}`.slice(0, 512),
  });
}
