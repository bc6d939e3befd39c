/**
 * The connection contract between a gateway and the cloud's broker in a reconnect storm (issue 14;
 * docs/region.md, « The reconnect storm »): the broker holds a connection it cannot admit yet
 * unread, before any TLS handshake, for at most `BROKER_CONNECT_HOLD_MS`, and the gateway waits for
 * its CONNACK `GATEWAY_CONNECT_TIMEOUT_MS` — longer, so that a held connection admitted at the end
 * of its hold still has time for its handshake and CONNACK. A connection the broker sheds (its queue
 * full, or held to the end) is closed before its TLS handshake (plain MQTT: CONNACK 3 « server
 * unavailable »): `connectEnd` tells that from a network error, and the gateway's reconnect policy
 * (gateway `reconnectDelay`) waits longer after it. One place for both numbers: the cloud and the
 * gateways (real and simulated) read them here.
 */

/** How long a gateway waits for its CONNACK, from the start of its attempt (mqtt.js `connectTimeout`). */
export const GATEWAY_CONNECT_TIMEOUT_MS = 30_000;

/**
 * The longest the broker holds a connection unread before it refuses it: under the gateway's connect
 * timeout by 5 s, what a resumed handshake and the CONNECT/CONNACK exchange take on a loaded host.
 */
export const BROKER_CONNECT_HOLD_MS = GATEWAY_CONNECT_TIMEOUT_MS - 5000;

/** How an attempt that did not connect ended: refused by the broker's load shedding, or anything else. */
export type ConnectEnd = 'shed' | 'failed';

/** An error as mqtt.js hands it on: a socket's (`code` a string) or a CONNACK's refusal (`code` its return code). */
export interface ConnectError {
  readonly message: string;
  readonly code?: string | number | undefined;
}

/** MQTT 3.1.1 CONNACK return code 3, « server unavailable »: what the broker's shedding answers in plain MQTT. */
export const CONNACK_SERVER_UNAVAILABLE_CODE = 3;

/**
 * Whether the error of an attempt that never connected is the broker's load shedding. With TLS the
 * broker accepted the TCP connection and closed it before the handshake: Node reports ECONNRESET,
 * « Client network socket disconnected before secure TLS connection was established » when the
 * close came before the ClientHello was in, « read ECONNRESET » when it was there unread (the broker
 * held the connection, then refused it: the kernel answers unread data with a reset). No broker
 * listening (ECONNREFUSED), a name not resolved, a connect timeout or a refused certificate are
 * `failed`. Pure.
 */
export function connectEnd(err: ConnectError): ConnectEnd {
  if (err.code === CONNACK_SERVER_UNAVAILABLE_CODE || err.code === 'ECONNRESET') return 'shed';
  return 'failed';
}

/**
 * What ended an attempt that did not connect, for a storm's counts (docs/region.md): `shed` as above;
 * `refused`, no broker listening (ECONNREFUSED: a cloud still restarting); `timeout`, no CONNACK within
 * the gateway's connect timeout (mqtt.js « connack timeout ») or a TCP timeout; `other`, anything else
 * (a certificate refused, a name not resolved). The reconnect policy reads only `connectEnd`. Pure.
 */
export type ConnectFailure = 'shed' | 'refused' | 'timeout' | 'other';

export function connectFailure(err: ConnectError): ConnectFailure {
  if (connectEnd(err) === 'shed') return 'shed';
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ETIMEDOUT' || /connack timeout/i.test(err.message)) return 'timeout';
  return 'other';
}
