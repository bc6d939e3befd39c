/**
 * The AsyncAPI 3 description of the gateway ↔ cloud wire contract, built from the same
 * TypeBox schemas the code validates with, so the document cannot drift from the code.
 * `npm run asyncapi -w @telecart/protocol` writes protocol/asyncapi.json; a test checks it is current.
 */
import type { TSchema } from '@sinclair/typebox';
import { CartAgenda } from './schemas/agenda.js';
import { BatchAck, ObservationBatch, PROTOCOL_VERSION } from './schemas/batch.js';
import { CartPatients } from './schemas/cart-patients.js';
import { LANES } from './schemas/common.js';
import { CartNurses, NurseAudit, NurseDown, NurseUp } from './schemas/nurses.js';
import { RtcDown, RtcUp } from './schemas/rtc.js';
import { GatewayStatus } from './schemas/status.js';
import { TOPIC_ROOT } from './topics.js';

/** TypeBox schemas carry symbol keys; JSON round-trip leaves plain JSON Schema. */
export function toJsonSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

const gatewayIdParam = { description: 'gateway id, [A-Za-z0-9][A-Za-z0-9_.-]{0,63}' };

export function buildAsyncApiDocument(): Record<string, unknown> {
  const mqtt1 = { mqtt: { qos: 1, retain: false, bindingVersion: '0.2.0' } };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'telecart gateway ↔ cloud',
      version: `${PROTOCOL_VERSION}.0.0`,
      description:
        'Observations are born on the gateway with a UUIDv7 and a per-gateway sequence number, written to SQLite, ' +
        'sent in batches per priority lane, and deleted only when the cloud acknowledges that it durably stored them. ' +
        'This document describes the gateway side.',
    },
    defaultContentType: 'application/json',
    servers: {
      cloud: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        protocolVersion: '5',
        description: 'the cloud broker (embedded aedes, or an external broker)',
      },
    },
    channels: {
      uplink: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/up/{lane}`,
        description: 'Observation batches, one lane per topic so alarms are never behind a waveform backlog.',
        parameters: { gatewayId: gatewayIdParam, lane: { enum: [...LANES], description: 'priority lane' } },
        messages: { observationBatch: { $ref: '#/components/messages/ObservationBatch' } },
      },
      ack: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/ack`,
        description: 'End-to-end acknowledgement, published only after the cloud store committed the batch.',
        parameters: { gatewayId: gatewayIdParam },
        messages: { batchAck: { $ref: '#/components/messages/BatchAck' } },
      },
      status: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/status`,
        description: 'Retained gateway status; the broker publishes online=false as the last will.',
        parameters: { gatewayId: gatewayIdParam },
        messages: { gatewayStatus: { $ref: '#/components/messages/GatewayStatus' } },
      },
      rtcUp: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/rtc/up`,
        description:
          'Teleconsultation, gateway → cloud: the nurse calls a specialist (call, call-cancel), then WebRTC signaling ' +
          '(the gateway is the offerer: offer, trickled ice) and the peer state. Only the gateway itself may publish here.',
        parameters: { gatewayId: gatewayIdParam },
        messages: { rtcUp: { $ref: '#/components/messages/RtcUp' } },
      },
      rtcDown: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/rtc/down`,
        description:
          'Teleconsultation, cloud → gateway: start (a specialist joined), answer, trickled ice, hangup, and every status ' +
          'change of the act (session: scheduled, waiting, in-progress, completed, not-done, cancelled).',
        parameters: { gatewayId: gatewayIdParam },
        messages: { rtcDown: { $ref: '#/components/messages/RtcDown' } },
      },
      agenda: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/agenda`,
        description:
          "Retained, cloud → gateway: the cart's acts of the day and the signed documents of the patients it serves, " +
          "named by the cart's own patient ids, each document with a download link issued for this cart. Replaced whole on every change.",
        parameters: { gatewayId: gatewayIdParam },
        messages: { cartAgenda: { $ref: '#/components/messages/CartAgenda' } },
      },
      patients: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/patients`,
        description:
          "Retained, cloud → gateway: the cart's patient list from the cloud's directory, by the cart's own patient ids, " +
          'with the INS only when the identity is qualified. Replaced whole when a patient of the cart is admitted, transferred, discharged, merged or updated.',
        parameters: { gatewayId: gatewayIdParam },
        messages: { cartPatients: { $ref: '#/components/messages/CartPatients' } },
      },
      nurses: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/nurses`,
        description:
          'Retained, cloud → gateway: the nurses allowed on this cart, with the SHA-256 of their badge and the scrypt verifier ' +
          'of their PIN (never a clear PIN or badge UID), so a known nurse signs in offline. Replaced whole on every change.',
        parameters: { gatewayId: gatewayIdParam },
        messages: { cartNurses: { $ref: '#/components/messages/CartNurses' } },
      },
      nurseUp: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/nurse/up`,
        description:
          "Gateway → cloud: a nurse's first full sign-in on the cart (password + TOTP code, as the cloud's login) with the " +
          'verifier of the PIN chosen on the cart; and the sign-in attempts made on the cart (PIN, badge, sign-out) for the ' +
          "cloud's audit trail, queued while offline. Only the gateway itself may publish here.",
        parameters: { gatewayId: gatewayIdParam },
        messages: { nurseUp: { $ref: '#/components/messages/NurseUp' }, nurseAudit: { $ref: '#/components/messages/NurseAudit' } },
      },
      nurseDown: {
        address: `${TOPIC_ROOT}/gw/{gatewayId}/nurse/down`,
        description: 'Cloud → gateway: the answer to one full sign-in (by requestId).',
        parameters: { gatewayId: gatewayIdParam },
        messages: { nurseDown: { $ref: '#/components/messages/NurseDown' } },
      },
    },
    operations: {
      sendObservations: {
        action: 'send',
        channel: { $ref: '#/channels/uplink' },
        messages: [{ $ref: '#/channels/uplink/messages/observationBatch' }],
        bindings: mqtt1,
      },
      receiveAck: {
        action: 'receive',
        channel: { $ref: '#/channels/ack' },
        messages: [{ $ref: '#/channels/ack/messages/batchAck' }],
        bindings: mqtt1,
      },
      sendStatus: {
        action: 'send',
        channel: { $ref: '#/channels/status' },
        messages: [{ $ref: '#/channels/status/messages/gatewayStatus' }],
        bindings: { mqtt: { qos: 1, retain: true, bindingVersion: '0.2.0' } },
      },
      sendRtc: {
        action: 'send',
        channel: { $ref: '#/channels/rtcUp' },
        messages: [{ $ref: '#/channels/rtcUp/messages/rtcUp' }],
        bindings: mqtt1,
      },
      receiveRtc: {
        action: 'receive',
        channel: { $ref: '#/channels/rtcDown' },
        messages: [{ $ref: '#/channels/rtcDown/messages/rtcDown' }],
        bindings: mqtt1,
      },
      receiveAgenda: {
        action: 'receive',
        channel: { $ref: '#/channels/agenda' },
        messages: [{ $ref: '#/channels/agenda/messages/cartAgenda' }],
        bindings: { mqtt: { qos: 1, retain: true, bindingVersion: '0.2.0' } },
      },
      receivePatients: {
        action: 'receive',
        channel: { $ref: '#/channels/patients' },
        messages: [{ $ref: '#/channels/patients/messages/cartPatients' }],
        bindings: { mqtt: { qos: 1, retain: true, bindingVersion: '0.2.0' } },
      },
      receiveNurses: {
        action: 'receive',
        channel: { $ref: '#/channels/nurses' },
        messages: [{ $ref: '#/channels/nurses/messages/cartNurses' }],
        bindings: { mqtt: { qos: 1, retain: true, bindingVersion: '0.2.0' } },
      },
      sendNurseSignIn: {
        action: 'send',
        channel: { $ref: '#/channels/nurseUp' },
        messages: [{ $ref: '#/channels/nurseUp/messages/nurseUp' }, { $ref: '#/channels/nurseUp/messages/nurseAudit' }],
        bindings: mqtt1,
      },
      receiveNurseSignIn: {
        action: 'receive',
        channel: { $ref: '#/channels/nurseDown' },
        messages: [{ $ref: '#/channels/nurseDown/messages/nurseDown' }],
        bindings: mqtt1,
      },
    },
    components: {
      messages: {
        ObservationBatch: { name: 'ObservationBatch', title: 'Observation batch', payload: toJsonSchema(ObservationBatch) },
        BatchAck: { name: 'BatchAck', title: 'Batch acknowledgement', payload: toJsonSchema(BatchAck) },
        GatewayStatus: { name: 'GatewayStatus', title: 'Gateway status', payload: toJsonSchema(GatewayStatus) },
        RtcUp: { name: 'RtcUp', title: 'Teleconsultation call and signaling (gateway → cloud)', payload: toJsonSchema(RtcUp) },
        CartAgenda: { name: 'CartAgenda', title: "The cart's day (cloud → gateway)", payload: toJsonSchema(CartAgenda) },
        CartPatients: { name: 'CartPatients', title: "The cart's patient list (cloud → gateway)", payload: toJsonSchema(CartPatients) },
        CartNurses: { name: 'CartNurses', title: 'The nurses allowed on the cart (cloud → gateway)', payload: toJsonSchema(CartNurses) },
        NurseUp: { name: 'NurseUp', title: "A nurse's full sign-in (gateway → cloud)", payload: toJsonSchema(NurseUp) },
        NurseAudit: { name: 'NurseAudit', title: 'Sign-in attempts on the cart (gateway → cloud)', payload: toJsonSchema(NurseAudit) },
        NurseDown: { name: 'NurseDown', title: 'The answer to a full sign-in (cloud → gateway)', payload: toJsonSchema(NurseDown) },
        RtcDown: { name: 'RtcDown', title: 'Teleconsultation session and signaling (cloud → gateway)', payload: toJsonSchema(RtcDown) },
      },
    },
  };
}
