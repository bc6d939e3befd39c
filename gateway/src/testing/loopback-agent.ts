/** Tests: the cart's teleconsultation agent as the route and agent tests use it, on loopback. */
import { Value } from '@sinclair/typebox/value';
import { MediaConfig } from '../media/config.js';
import { type SignalingLink, TeleconsultAgent, type TeleconsultAgentOptions } from '../teleconsult/agent.js';

/** Cart `cart-unit`: no microphone, ICE on 127.0.0.1 only, a 500 ms dead man on the camera; `extra` over that. */
export function loopbackAgent(link: SignalingLink, extra: Partial<TeleconsultAgentOptions> = {}): TeleconsultAgent {
  return new TeleconsultAgent({
    gatewayId: 'cart-unit',
    link,
    media: Value.Default(MediaConfig, { audio: { source: 'none' }, ice: { hostAddresses: ['127.0.0.1'] } }) as MediaConfig,
    camera: { deadManMs: 500 },
    stethoscope: {},
    ...extra,
  });
}
