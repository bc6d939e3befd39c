/**
 * Who may use which topic, as one pure rule set shared by the embedded broker's hooks and the
 * Mosquitto ACL file generated from it (mosquitto-files.ts):
 *
 *   gateway {id}  publish   telecart/v1/gw/{id}/up/{lane}, telecart/v1/gw/{id}/status, telecart/v1/gw/{id}/rtc/up
 *                 subscribe telecart/v1/gw/{id}/ack, telecart/v1/gw/{id}/cmd, telecart/v1/gw/{id}/rtc/down,
 *                           telecart/v1/gw/{id}/agenda, telecart/v1/gw/{id}/patients, telecart/v1/gw/{id}/nurses,
 *                           telecart/v1/gw/{id}/nurse/down
 *                 publish   telecart/v1/gw/{id}/nurse/up (a nurse's full sign-in)
 *   cloud ingest  publish   telecart/v1/gw/+/ack, telecart/v1/gw/+/cmd
 *                 subscribe telecart/v1/gw/+/up/+ (also through $share), telecart/v1/gw/+/status
 *   cloud signaling (the teleconsultation relay, the agenda, patient-list and nurse publishers, in the main cloud process;
 *                 one certificate each, `telecart-cloud:signaling:{service}`: Mosquitto makes the CN the client
 *                 id, so two connections sharing a CN would take each other's session over in a loop)
 *                 publish   telecart/v1/gw/+/rtc/down, telecart/v1/gw/+/agenda, telecart/v1/gw/+/patients, telecart/v1/gw/+/nurses (retained),
 *                           telecart/v1/gw/+/nurse/down
 *                 subscribe telecart/v1/gw/+/rtc/up, telecart/v1/gw/+/status (when a cart is back), telecart/v1/gw/+/nurse/up
 *   anyone else   nothing
 *
 * Identities come from the client certificate's CN. Gateway ids cannot contain ':', so the
 * cloud's own CNs (`telecart-cloud:…`) can never be obtained through enrollment.
 */
import { isValidGatewayId, LANES, TOPIC_ROOT } from '@telecart/protocol';

export const INGEST_CN_PREFIX = 'telecart-cloud:ingest';
/** CN prefix of the cloud's signaling services; each has its own, `telecart-cloud:signaling:{service}`. */
export const SIGNALING_CN = 'telecart-cloud:signaling';

/** The main cloud process's connections that publish to the carts, one MQTT identity each. */
export const SIGNALING_SERVICES = ['relay', 'agenda', 'patients', 'nurses'] as const;
export type SignalingService = (typeof SIGNALING_SERVICES)[number];

/**
 * A cloud instance's name in its CNs, when several instances share one broker that makes the CN the
 * client id (Mosquitto): `telecart-cloud:signaling:{instance}:{service}`, `telecart-cloud:ingest:{instance}:{N}`.
 */
export const INSTANCE_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$';

export function checkInstanceName(instance: string | undefined): void {
  if (instance !== undefined && !new RegExp(INSTANCE_NAME_PATTERN).test(instance))
    throw new Error(`cloud instance name ${JSON.stringify(instance)}: 1–32 of a–z, 0–9 and '-', starting with a letter or digit`);
}

const instancePart = (instance: string | undefined): string => (instance === undefined ? '' : `${instance}:`);

export function signalingCommonName(service: SignalingService, instance?: string): string {
  return `${SIGNALING_CN}:${instancePart(instance)}${service}`;
}

export function ingestCommonName(index: number, instance?: string): string {
  return `${INGEST_CN_PREFIX}:${instancePart(instance)}${index}`;
}

/** The cloud's own broker users: each instance's ingest workers and signaling services. */
export function cloudUsers(
  ingestWorkers: number,
  instances: readonly (string | undefined)[] = [undefined],
): { ingestUsers: string[]; signalingUsers: string[] } {
  for (const i of instances) checkInstanceName(i);
  return {
    ingestUsers: instances.flatMap((i) => Array.from({ length: ingestWorkers }, (_, n) => ingestCommonName(n, i))),
    signalingUsers: instances.flatMap((i) => SIGNALING_SERVICES.map((s) => signalingCommonName(s, i))),
  };
}

export type Identity =
  | { role: 'gateway'; gatewayId: string }
  | { role: 'ingest'; name: string }
  | { role: 'signaling'; name: string }
  | { role: 'none'; reason: string };

export function identityFromCn(cn: string | null | undefined): Identity {
  if (cn === null || cn === undefined || cn === '') return { role: 'none', reason: 'certificate has no CN' };
  if (cn === INGEST_CN_PREFIX || cn.startsWith(`${INGEST_CN_PREFIX}:`)) return { role: 'ingest', name: cn };
  if (cn === SIGNALING_CN || cn.startsWith(`${SIGNALING_CN}:`)) return { role: 'signaling', name: cn };
  if (isValidGatewayId(cn)) return { role: 'gateway', gatewayId: cn };
  return { role: 'none', reason: `CN ${JSON.stringify(cn)} is neither a gateway id nor a cloud identity` };
}

const SHARE = /^\$share\/[^/#+]+\/(.+)$/;

function splitShare(filter: string): string {
  const m = SHARE.exec(filter);
  return m?.[1] ?? filter;
}

export function mayPublish(who: Identity, topic: string): boolean {
  if (topic.includes('+') || topic.includes('#')) return false;
  const parts = topic.split('/');
  if (parts.slice(0, 3).join('/') !== `${TOPIC_ROOT}/gw` || parts.length < 5) return false;
  const [, , , gw, kind, lane, ...more] = parts;
  if (more.length > 0 || gw === undefined || !isValidGatewayId(gw)) return false;
  if (who.role === 'ingest') return lane === undefined && (kind === 'ack' || kind === 'cmd');
  if (who.role === 'signaling')
    return (
      ((kind === 'rtc' || kind === 'nurse') && lane === 'down') ||
      ((kind === 'agenda' || kind === 'patients' || kind === 'nurses') && lane === undefined)
    );
  if (who.role !== 'gateway' || gw !== who.gatewayId) return false;
  if (kind === 'status') return lane === undefined;
  if (kind === 'rtc' || kind === 'nurse') return lane === 'up';
  return kind === 'up' && lane !== undefined && (LANES as readonly string[]).includes(lane);
}

export function maySubscribe(who: Identity, filter: string): boolean {
  const shared = SHARE.test(filter);
  const topic = splitShare(filter);
  const base = `${TOPIC_ROOT}/gw/`;
  if (!topic.startsWith(base)) return false;
  const rest = topic.slice(base.length).split('/');
  if (who.role === 'ingest') {
    return (
      (rest.length === 3 && rest[0] === '+' && rest[1] === 'up' && rest[2] === '+') ||
      (!shared && rest.length === 2 && rest[0] === '+' && rest[1] === 'status')
    );
  }
  if (who.role === 'signaling')
    return (
      !shared &&
      rest[0] === '+' &&
      ((rest.length === 3 && (rest[1] === 'rtc' || rest[1] === 'nurse') && rest[2] === 'up') || (rest.length === 2 && rest[1] === 'status'))
    );
  if (who.role !== 'gateway' || shared || rest[0] !== who.gatewayId) return false;
  if (rest.length === 3) return (rest[1] === 'rtc' || rest[1] === 'nurse') && rest[2] === 'down';
  return (
    rest.length === 2 && (rest[1] === 'ack' || rest[1] === 'cmd' || rest[1] === 'agenda' || rest[1] === 'patients' || rest[1] === 'nurses')
  );
}

/** The same rules as a Mosquitto acl_file (%u is the username = certificate CN). */
export function mosquittoAcl(
  ingestUsers: readonly string[],
  revokedUsers: readonly string[] = [],
  signalingUsers: readonly string[] = SIGNALING_SERVICES.map((s) => signalingCommonName(s)),
): string {
  const lines = ['# generated by telecart: gateways use only their own subtree; see docs/security.md', ''];
  for (const u of revokedUsers) lines.push(`# revoked`, `user ${u}`, `topic deny ${TOPIC_ROOT}/#`, '');
  for (const u of ingestUsers) {
    lines.push(
      `user ${u}`,
      `topic read ${TOPIC_ROOT}/gw/+/up/+`,
      `topic read ${TOPIC_ROOT}/gw/+/status`,
      `topic write ${TOPIC_ROOT}/gw/+/ack`,
      `topic write ${TOPIC_ROOT}/gw/+/cmd`,
      '',
    );
  }
  for (const u of signalingUsers)
    lines.push(
      `user ${u}`,
      `topic read ${TOPIC_ROOT}/gw/+/rtc/up`,
      `topic read ${TOPIC_ROOT}/gw/+/status`,
      `topic write ${TOPIC_ROOT}/gw/+/rtc/down`,
      `topic write ${TOPIC_ROOT}/gw/+/agenda`,
      `topic write ${TOPIC_ROOT}/gw/+/patients`,
      `topic read ${TOPIC_ROOT}/gw/+/nurse/up`,
      `topic write ${TOPIC_ROOT}/gw/+/nurses`,
      `topic write ${TOPIC_ROOT}/gw/+/nurse/down`,
      '',
    );
  lines.push(
    '# every other user: its own subtree',
    ...LANES.map((l) => `pattern write ${TOPIC_ROOT}/gw/%u/up/${l}`),
    `pattern write ${TOPIC_ROOT}/gw/%u/status`,
    `pattern read ${TOPIC_ROOT}/gw/%u/ack`,
    `pattern read ${TOPIC_ROOT}/gw/%u/cmd`,
    `pattern write ${TOPIC_ROOT}/gw/%u/rtc/up`,
    `pattern read ${TOPIC_ROOT}/gw/%u/rtc/down`,
    `pattern read ${TOPIC_ROOT}/gw/%u/agenda`,
    `pattern read ${TOPIC_ROOT}/gw/%u/patients`,
    `pattern read ${TOPIC_ROOT}/gw/%u/nurses`,
    `pattern write ${TOPIC_ROOT}/gw/%u/nurse/up`,
    `pattern read ${TOPIC_ROOT}/gw/%u/nurse/down`,
    '',
  );
  return lines.join('\n');
}
