/**
 * A cart's device-user mappings (permission carts.manage, docs/patient-directory.md):
 *   GET /api/admin/carts/:id/device-users  the mappings and the patients the cart serves now
 *   PUT /api/admin/carts/:id/device-users  {deviceId, userIndex, patientId} (patientId null unmaps)
 * A shared device (scale, cuff) puts a user index on each reading; on a cart, that index belongs to
 * one of the cart's patients. A mapping to a patient the cart does not serve is refused (400) and
 * audited; every change is audited and republishes the cart's retained patient list, which carries
 * the mappings, so the cart applies it to the next reading without a restart.
 */
import { type Static, Type } from '@sinclair/typebox';
import { CartDeviceUser, GatewayId } from '@telecart/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceUserMapping } from '../../store/device-user-tables.js';
import { auditOutOfScope, managedSites, managesSite } from '../access/admin-scope.js';
import type { HttpDeps } from '../deps.js';
import { currentSpecialist } from './specialist-auth.js';

type Tc = NonNullable<HttpDeps['teleconsult']>;

const CartParams = Type.Object({ id: GatewayId }, { additionalProperties: false });
const PatientId = Type.String({ minLength: 1, maxLength: 64 });
const SetBody = Type.Object(
  {
    deviceId: CartDeviceUser.properties.deviceId,
    userIndex: CartDeviceUser.properties.userIndex,
    patientId: Type.Union([PatientId, Type.Null()]),
  },
  { additionalProperties: false },
);
const OrNull = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const MappingView = Type.Object(
  {
    deviceId: Type.String(),
    userIndex: Type.Integer(),
    patientId: Type.String(),
    /** What the cart calls the patient; null when the patient left the cart (the mapping is then not sent). */
    localId: OrNull(Type.String()),
    setAt: Type.String(),
    setBy: Type.String(),
  },
  { additionalProperties: false },
);
const PatientView = Type.Object(
  { id: Type.String(), localId: Type.String(), family: OrNull(Type.String()), given: OrNull(Type.String()) },
  { additionalProperties: false },
);
const ListReply = Type.Object(
  { gatewayId: Type.String(), deviceUsers: Type.Array(MappingView), patients: Type.Array(PatientView) },
  { additionalProperties: false },
);
const SetReply = Type.Object({ deviceUser: Type.Union([MappingView, Type.Null()]) }, { additionalProperties: false });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

const ERRORS = { 400: 'Bad Request', 404: 'Not Found' } as const;
const fail = (reply: FastifyReply, code: keyof typeof ERRORS, message: string) =>
  reply.code(code).send({ statusCode: code, error: ERRORS[code], message });

export function registerAdminDeviceUserRoutes(app: FastifyInstance, deps: HttpDeps, tc: Tc, now: () => Date = () => new Date()): void {
  const { store } = deps;
  const config = { access: 'specialist', permission: 'carts.manage' } as const;
  const audit = (req: FastifyRequest, action: string, gatewayId: string, detail: string, patientId?: string) => {
    const who = currentSpecialist(req);
    tc.relay.recordAudit({
      actor: who.id,
      actorRole: who.role,
      action,
      gatewayId,
      ...(patientId !== undefined ? { patientId } : {}),
      detail: detail.slice(0, 512),
    });
  };
  /** The cart's site when this administrator manages it; otherwise answers 404 (audited when the cart is another site's). */
  const managedCart = (req: FastifyRequest, reply: FastifyReply, gatewayId: string): boolean => {
    const site = tc.directory.siteOf(gatewayId)?.id ?? null;
    if (site !== null && managesSite(managedSites(tc, currentSpecialist(req).id), site)) return true;
    if (site !== null)
      auditOutOfScope(tc, req, { gatewayId, detail: `cart ${gatewayId} is on site ${site}, not one this account manages` });
    void fail(reply, 404, `no cart ${gatewayId} among those you manage`);
    return false;
  };
  const view = (m: DeviceUserMapping, localIds: ReadonlyMap<string, string>) => ({
    deviceId: m.deviceId,
    userIndex: m.userIndex,
    patientId: m.patientId,
    localId: localIds.get(m.patientId) ?? null,
    setAt: m.setAt,
    setBy: m.setBy,
  });

  app.get<{ Params: Static<typeof CartParams> }>(
    '/api/admin/carts/:id/device-users',
    { schema: { params: CartParams, response: { 200: ListReply, '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const gatewayId = req.params.id;
      if (!managedCart(req, reply, gatewayId)) return reply;
      const patients = await store.cartPatients(gatewayId);
      const localIds = new Map(patients.map((p) => [p.id, p.localId]));
      return reply.header('cache-control', 'no-store').send({
        gatewayId,
        deviceUsers: (await store.deviceUsers.list(gatewayId)).map((m) => view(m, localIds)),
        patients: patients.map((p) => ({ id: p.id, localId: p.localId, family: p.family, given: p.given })),
      });
    },
  );

  app.put<{ Params: Static<typeof CartParams>; Body: Static<typeof SetBody> }>(
    '/api/admin/carts/:id/device-users',
    { schema: { params: CartParams, body: SetBody, response: { 200: SetReply, '4xx': ErrorReply } }, config },
    async (req, reply) => {
      const gatewayId = req.params.id;
      if (!managedCart(req, reply, gatewayId)) return reply;
      const { deviceId, userIndex, patientId } = req.body;
      const user = `${deviceId} user ${userIndex}`;
      const patients = await store.cartPatients(gatewayId);
      const localIds = new Map(patients.map((p) => [p.id, p.localId]));
      if (patientId !== null && !localIds.has(patientId)) {
        const served = patients.map((p) => p.id).join(', ') || 'none';
        const message = `patient ${patientId} is not on cart ${gatewayId} (its patients: ${served}): admit them to this cart first`;
        audit(req, 'device-user-refused', gatewayId, `${user} → ${patientId}: ${message}`, patientId);
        return fail(reply, 400, message);
      }
      const m = await store.deviceUsers.set({ gatewayId, deviceId, userIndex }, patientId, currentSpecialist(req).id, now().toISOString());
      if (patientId === null) audit(req, 'device-user-removed', gatewayId, `${user}: no patient`);
      else audit(req, 'device-user-set', gatewayId, `${user} → ${patientId} (${localIds.get(patientId)} on the cart)`, patientId);
      deps.patientLists?.changed(gatewayId);
      return reply.header('cache-control', 'no-store').send({ deviceUser: m === null ? null : view(m, localIds) });
    },
  );
}
