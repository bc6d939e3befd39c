/**
 * Ends an MQTT client in bounded time. mqtt.js's graceful `end()` waits for every unacknowledged
 * QoS 1/2 publish to be acknowledged, and it stops reconnecting first: a client that lost its
 * connection with a publish in flight waits forever (seen when the broker took its session over).
 * Here the in-flight publishes get `graceMs` to be acknowledged while the connection is up; then a
 * connected client sends DISCONNECT (so the broker drops its will), and any other ends at once.
 * The structural type keeps this module free of the mqtt package (gateway and cloud pass theirs).
 */
export interface EndableMqttClient {
  readonly connected: boolean;
  /** mqtt.js's unacknowledged outgoing packets, by message id. */
  readonly outgoing: object;
  readonly stream?: { destroy(): void } | undefined;
  endAsync(force?: boolean): Promise<void>;
}

export const DEFAULT_END_GRACE_MS = 2000;
const POLL_MS = 10;

export async function endMqttClient(client: EndableMqttClient, graceMs = DEFAULT_END_GRACE_MS): Promise<void> {
  const pending = (): boolean => Object.keys(client.outgoing).length > 0;
  // mqtt.js tells when the last ack came only once end() has begun, and then it no longer gives up: poll.
  const deadline = Date.now() + graceMs;
  while (client.connected && pending() && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
  const graceful = client.connected && !pending();
  // A DISCONNECT that cannot be written (a dead link with a full send buffer) is given up after the grace too.
  const stuck = setTimeout(() => client.stream?.destroy(), graceMs);
  try {
    await client.endAsync(!graceful);
  } finally {
    clearTimeout(stuck);
  }
}
