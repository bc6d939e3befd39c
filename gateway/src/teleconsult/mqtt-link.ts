/**
 * The agent's signaling over the gateway's own MQTT connection (the broker accepts one client per
 * gateway id, so a second connection would take the first one's place): RtcUp to rtc/up (QoS 1),
 * RtcDown from rtc/down. Outgoing messages are checked against the contract before they leave.
 */
import { formatIssues, type RtcUp, topics } from '@telecart/protocol';
import type { SyncClient } from '../sync/sync-client.js';
import type { SignalingLink } from './agent.js';
import { rtcValidators } from './validators.js';

export function mqttSignalingLink(sync: Pick<SyncClient, 'route' | 'publishOther'>, gatewayId: string): SignalingLink {
  return {
    async publish(up: RtcUp) {
      const r = rtcValidators.up.validate(up);
      if (!r.ok) throw new Error(`RtcUp ${up.type} does not match the contract: ${formatIssues(r.issues)}`);
      await sync.publishOther(topics.rtcUp(gatewayId), JSON.stringify(up));
    },
    onDown(handler) {
      return sync.route(topics.rtcDown(gatewayId), handler);
    },
  };
}
