/**
 * Node/V8 flags the gateway process runs with (the systemd unit and `telecart demo`; a test checks
 * the unit carries these). Measured on the demo's idle gateway (bench/gateway-footprint.mjs,
 * docs/footprint.md):
 * - `--max-semi-space-size=2`: V8 reserves up to 3 × 16 MiB for its young generation by default;
 *   the gateway's allocations are small and short-lived, so 2 MiB semi-spaces hold them
 *   (159–160 → 131–132 MiB resident).
 * - `--lite-mode`: V8 without its compilers (it implies `--jitless`: bytecode and regular
 *   expressions interpreted) and `--optimize-for-size` (115 → 87 MiB resident); the price is CPU on
 *   hot paths, about twice the gateway's CPU per reading on the burst path, still hundreds of
 *   readings a second. Still needed once the idle heap lost the ICU data and mqtt-packet's number
 *   cache (docs/footprint.md, fourth round): without it the idle gateway is ~25 MiB above 80 MB,
 *   and the lighter combinations measured (interpreter only with the regexp JIT kept, Sparkplug
 *   kept) cost nearly as much CPU for less memory saved.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--lite-mode'];

/**
 * The flags `telecart demo` starts its gateway with. TELECART_GATEWAY_NODE_FLAGS (space-separated,
 * may be empty) replaces them: bench/gateway-footprint.mjs compares combinations with it. Never
 * needed in production (the systemd unit names its flags).
 */
export function demoGatewayNodeFlags(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const raw = env.TELECART_GATEWAY_NODE_FLAGS;
  if (raw === undefined) return GATEWAY_NODE_FLAGS;
  return raw.split(' ').filter((f) => f !== '');
}
