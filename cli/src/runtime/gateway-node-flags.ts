/**
 * Node/V8 flags the gateway process runs with (the systemd unit and `telecart demo`; a test checks
 * the unit carries these). V8 reserves up to 3 × 16 MiB for its young generation by default; the
 * gateway's allocations are small and short-lived, so 2 MiB semi-spaces hold them. Measured on the
 * demo's idle gateway: 159–160 MiB resident by default, 131–132 MiB with this flag
 * (bench/gateway-footprint.mjs, docs/footprint.md).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
