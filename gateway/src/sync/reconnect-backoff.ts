/**
 * The reconnect policy (backoff.ts) applied to an mqtt.js client, for the gateway's sync client and
 * the fleet simulator's gateways alike. mqtt.js waits `options.reconnectPeriod` after a connection
 * closes, reading it when the close comes: the delay is set at each attempt's start (as after a
 * failure) and raised when the attempt's error says the broker shed it (protocol `connectEnd`; the
 * error comes before the close). A connection that came up resets the count.
 */
import { type ConnectEnd, type ConnectFailure, connectEnd, connectFailure } from '@telecart/protocol';
import type { MqttClient } from 'mqtt';
import { type BackoffOptions, reconnectDelay } from './backoff.js';

export interface ReconnectBackoff {
  /** How the last attempt that did not connect ended (null: none since the last connection). */
  lastEnd(): ConnectEnd | null;
  /** What ended the current or last attempt that did not connect (null: no error came since it began). */
  lastFailure(): ConnectFailure | null;
}

export function attachReconnectBackoff(client: MqttClient, o: BackoffOptions, random: () => number = Math.random): ReconnectBackoff {
  let attempts = 0;
  let last: ConnectEnd | null = null;
  let failure: ConnectFailure | null = null;
  client.options.reconnectPeriod = o.baseMs;
  client.on('reconnect', () => {
    attempts++;
    last = 'failed';
    failure = null;
    client.options.reconnectPeriod = reconnectDelay(attempts, o, random, 'failed');
  });
  client.on('error', (err: Error & { code?: string | number }) => {
    if (client.connected) return;
    last = connectEnd(err);
    failure = connectFailure(err);
    if (last === 'shed') client.options.reconnectPeriod = reconnectDelay(attempts, o, random, 'shed');
  });
  client.on('connect', () => {
    attempts = 0;
    last = null;
    failure = null;
    client.options.reconnectPeriod = o.baseMs;
  });
  return { lastEnd: () => last, lastFailure: () => failure };
}
