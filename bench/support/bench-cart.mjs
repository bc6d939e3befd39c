/**
 * The cart of the live-media benches (conversation.mjs, four-parties.mjs): a cart gateway with one patient, the
 * test picture (320×240, 10 frames/s) and sound for its own peer, candidates on loopback only (the namespace has
 * only lo), its HTTP API on a free port, and no nurse sign-in: the benches call the act through the cart's API, as
 * the nurse page does once she is signed in. The raw configuration, resolved by the gateway's resolveGatewayConfig.
 */
export function benchCartConfig(gatewayId, patient) {
  return {
    gatewayId,
    mode: 'cart',
    timeZone: 'Europe/Paris',
    nurseSignIn: { required: false },
    patients: [patient],
    http: { port: 0 },
    media: {
      video: { source: 'test', width: 320, height: 240, fps: 10 },
      audio: { source: 'test' },
      ice: { hostAddresses: ['127.0.0.1'] },
    },
  };
}
