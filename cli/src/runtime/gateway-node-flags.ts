/**
 * Node/V8 flags the gateway process runs with (the systemd unit and `telecart demo`; a test checks
 * the unit carries these). Measured on the demo's idle gateway (bench/gateway-footprint.mjs,
 * docs/footprint.md):
 * - `--max-semi-space-size=2`: V8 reserves up to 3 × 16 MiB for its young generation by default;
 *   the gateway's allocations are small and short-lived, so 2 MiB semi-spaces hold them
 *   (159–160 → 131–132 MiB resident).
 * - `--lite-mode`: no optimizing compilers and feedback allocated lazily, so less compiled code
 *   and metadata kept (115 → 87 MiB resident); the price is CPU on hot paths, about twice the
 *   gateway's CPU per reading on the burst path, still hundreds of readings a second.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--lite-mode'];
