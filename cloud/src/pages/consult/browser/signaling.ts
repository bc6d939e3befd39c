/**
 * The WebSocket to the cloud's signaling relay (consult/ws, same origin, the login cookie). Messages
 * that are not JSON objects with a type are ignored. Lost: the page says so and reconnects 2 s
 * later if the login still holds (api/specialist/me), or goes back to the login.
 */
import type { BrowserMessage, CloudMessage } from './types.js';

const RETRY_MS = 2000;

export interface SignalingHooks {
  onOpen(): void;
  onLost(): void;
  onMessage(m: CloudMessage): void;
  /** Whether to try again after a loss: resolves true to reconnect, false when the login is gone. */
  stillSignedIn(): Promise<boolean>;
}

let ws: WebSocket | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
let hooks: SignalingHooks | null = null;

function wsUrl(): string {
  const u = new URL('consult/ws', document.baseURI);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}

export function send(msg: BrowserMessage): void {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

export function connect(h: SignalingHooks): void {
  hooks = h;
  clearTimeout(retry);
  const socket = new WebSocket(wsUrl());
  ws = socket;
  socket.onopen = () => h.onOpen();
  socket.onclose = () => {
    h.onLost();
    if (hooks === h)
      retry = setTimeout(() => {
        h.stillSignedIn().then(
          (yes) => {
            if (yes) connect(h);
          },
          () => connect(h),
        );
      }, RETRY_MS);
  };
  socket.onmessage = (e) => {
    let m: unknown;
    try {
      m = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null || typeof (m as { type?: unknown }).type !== 'string') return;
    h.onMessage(m as CloudMessage);
  };
}

/** Logging out: close without reconnecting. */
export function disconnect(): void {
  hooks = null;
  clearTimeout(retry);
  if (ws) {
    ws.onclose = null;
    ws.close();
    ws = null;
  }
}
