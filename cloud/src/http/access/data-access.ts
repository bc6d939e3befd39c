/**
 * Who may read patient data over HTTP, and the trail of who did.
 *
 * - 'clinicians' (default): every patient-data route needs a logged-in clinician (the accounts of
 *   teleconsult.specialists: login cookie or `Authorization: Bearer`). A clinician sees the
 *   patients the configuration assigns (patients[].gateways) to the carts their account or sites
 *   grant ('*' = every cart); readings never assign a patient (the ingest refuses the others).
 * - 'open': no login (a closed lab network, the demo); the cloud says so at start.
 *
 * Each read of patient data is written to the append-only audit trail (who, what, which patient),
 * coalesced per (reader, action, patient) over a window so a dashboard refreshing on every reading
 * leaves one line per quarter of an hour, not thousands.
 */
import type { Observation } from '@telecart/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Permission, Role } from '../../auth/permissions.js';
import { FHIR_JSON, operationOutcome } from '../../fhir/operation-outcome.js';
import type { PatientRecord } from '../../store/cloud-store.js';
import type { AuditEventInput } from '../../store/teleconsult-records.js';
import type { HttpDeps } from '../deps.js';
import { specialistOf } from '../routes/specialist-auth.js';

export type DataAccessMode = 'clinicians' | 'open';

export interface Reader {
  /** Account id, or 'anonymous' in open mode. */
  id: string;
  name: string;
  role: Role | 'anonymous';
  /** What the account may do (auth/permissions.ts); the open mode's reader passes every check of a reader route. */
  permissions: ReadonlySet<Permission>;
  /** Gateway patterns this reader's carts match: an id, a prefix ending in '*', or '*'. */
  carts: readonly string[];
}

export interface DataAccessOptions {
  mode: DataAccessMode;
  store: Pick<HttpDeps['store'], 'patientGateways' | 'listPatients'>;
  teleconsult?: HttpDeps['teleconsult'];
  now?: () => number;
  /** One audit line per (reader, action, patient) per window. Default 15 min. */
  auditWindowMs?: number;
}

const OPEN_READER: Reader = { id: 'anonymous', name: 'open access', role: 'anonymous', permissions: new Set(), carts: ['*'] };
const AUDIT_KEYS_MAX = 10_000;

function matches(pattern: string, gatewayId: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? gatewayId.startsWith(pattern.slice(0, -1)) : pattern === gatewayId;
}

/** A `next` target that stays on this site: an absolute path, not '//host' nor '/\host'. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length <= 512 ? next : '/';
}

export class DataAccess {
  readonly mode: DataAccessMode;
  private readonly now: () => number;
  private readonly windowMs: number;
  /** Last audit time per reader|action|patient. */
  private readonly lastAudit = new Map<string, number>();

  constructor(private readonly o: DataAccessOptions) {
    this.mode = o.mode;
    this.now = o.now ?? Date.now;
    this.windowMs = o.auditWindowMs ?? 15 * 60_000;
  }

  /** The reader behind a request, or null when none is logged in. */
  readerOf(req: FastifyRequest): Reader | null {
    if (this.mode === 'open') return OPEN_READER;
    const tc = this.o.teleconsult;
    if (!tc) return null;
    const s = specialistOf(req, tc);
    return s ? { id: s.id, name: s.name, role: s.role, permissions: s.permissions, carts: tc.directory.patternsFor(s.id) } : null;
  }

  /** Guard for API routes (route-access.ts, access 'reader'): 401 (a FHIR OperationOutcome under /fhir/) unless a reader is logged in. */
  readonly requireApi = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const r = this.readerOf(req);
    if (r) {
      setReader(req, r);
      return;
    }
    const message = 'log in first: POST /api/specialist/login, or send Authorization: Bearer <token>';
    void reply.code(401).header('www-authenticate', 'Bearer realm="telecart"').header('cache-control', 'no-store');
    if (req.url.startsWith('/fhir/')) await reply.type(FHIR_JSON).send(operationOutcome('login', message));
    else await reply.send({ statusCode: 401, error: 'Unauthorized', message });
  };

  /** Guard for HTML pages (route-access.ts, access 'page'): to the login page (and back here after it) unless a reader is logged in. */
  readonly requirePage = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const r = this.readerOf(req);
    if (r) {
      setReader(req, r);
      return;
    }
    await reply
      .code(303)
      .header('cache-control', 'no-store')
      .redirect(`/login?next=${encodeURIComponent(safeNext(req.url))}`);
  };

  mayReadGateway(r: Reader, gatewayId: string): boolean {
    return r.carts.some((p) => matches(p, gatewayId));
  }

  /** Every cart: may search across patients. */
  seesEveryCart(r: Reader): boolean {
    return r.carts.includes('*');
  }

  async mayReadPatient(r: Reader, patientId: string): Promise<boolean> {
    if (this.seesEveryCart(r)) return true;
    const gateways = await this.o.store.patientGateways(patientId);
    return gateways.some((g) => this.mayReadGateway(r, g));
  }

  /** The patients this reader may read, in the store's order. */
  async visiblePatients(r: Reader): Promise<PatientRecord[]> {
    return this.visible(r, await this.o.store.listPatients(), (p) => p.id);
  }

  /** The items whose patient this reader may read, in their order. */
  async visible<T>(r: Reader, items: readonly T[], patientOf: (t: T) => string): Promise<T[]> {
    if (this.seesEveryCart(r)) return [...items];
    const allowed = new Map<string, boolean>();
    const out: T[] = [];
    for (const it of items) {
      const p = patientOf(it);
      let ok = allowed.get(p);
      if (ok === undefined) {
        ok = await this.mayReadPatient(r, p);
        allowed.set(p, ok);
      }
      if (ok) out.push(it);
    }
    return out;
  }

  /** Writes "reader did action (on patient)" to the audit trail, once per window per (reader, action, patient). */
  recordRead(req: FastifyRequest, action: string, patientId: string | null = null, detail: string | null = null): void {
    const tc = this.o.teleconsult;
    const r = readerOnRequest(req);
    if (!tc || !r) return;
    // Views coalesce per patient; each export or download of a given item is its own line.
    const item = action.startsWith('export') || action.startsWith('download') ? `|${detail ?? ''}` : '';
    const key = `${r.id}|${action}|${patientId ?? ''}${item}`;
    const now = this.now();
    const last = this.lastAudit.get(key);
    if (last !== undefined && now - last < this.windowMs) return;
    if (this.lastAudit.size >= AUDIT_KEYS_MAX) this.prune(now);
    this.lastAudit.set(key, now);
    const e: Omit<AuditEventInput, 'at'> = {
      actor: r.id,
      actorRole: r.role,
      action,
      patientId,
      detail: detail ?? `${req.method} ${req.url}`.slice(0, 512),
    };
    tc.relay.recordAudit(e);
  }

  private prune(now: number): void {
    for (const [k, t] of this.lastAudit) if (now - t >= this.windowMs) this.lastAudit.delete(k);
    // Still full (many readers within one window): forget the oldest half; at worst a line is written twice.
    if (this.lastAudit.size >= AUDIT_KEYS_MAX) {
      let n = 0;
      for (const k of this.lastAudit.keys()) {
        if (n++ >= AUDIT_KEYS_MAX / 2) break;
        this.lastAudit.delete(k);
      }
    }
  }
}

/** The observation if the request's reader may read its patient (null otherwise: answered as not found); the read is audited. */
export async function readableObservation(
  access: DataAccess,
  req: FastifyRequest,
  deps: Pick<HttpDeps, 'store'>,
  id: string,
  action: string,
): Promise<Observation | null> {
  const obs = await deps.store.getObservation(id);
  if (!obs || !(await access.mayReadPatient(currentReader(req), obs.patient.id))) return null;
  access.recordRead(req, action, obs.patient.id, `observation ${id}`);
  return obs;
}

const READER = Symbol('telecart.reader');

function setReader(req: FastifyRequest, r: Reader): void {
  (req as FastifyRequest & { [READER]?: Reader })[READER] = r;
}

/** The reader the access hook put on the request, if any. */
export function readerOnRequest(req: FastifyRequest): Reader | null {
  return (req as FastifyRequest & { [READER]?: Reader })[READER] ?? null;
}

/** The reader the access hook put on the request; throws on a route that does not require one. */
export function currentReader(req: FastifyRequest): Reader {
  const r = readerOnRequest(req);
  if (!r) throw new Error('patient-data route registered with config.access public or specialist');
  return r;
}
