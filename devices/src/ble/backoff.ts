/** Reconnect back-off policy and the timer port the BLE central schedules on (injected in tests). */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, factor: 2 };

/** Delay before reconnect attempt number `attempt` (0-based): initial × factor^attempt, capped. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const raw = policy.initialMs * policy.factor ** Math.max(0, attempt);
  return Math.min(policy.maxMs, Number.isFinite(raw) ? raw : policy.maxMs);
}

/** Waits for `p` to settle, but no longer than `ms`; never rejects (for shutdown paths). */
export async function settleWithin(p: Promise<unknown>, ms: number, timers: Timers): Promise<void> {
  try {
    await withTimeout(p, ms, 'settle', timers);
  } catch {
    // Shutdown goes on: whatever was pending is superseded.
  }
}

/** Rejects with a timeout error when `p` does not settle in `ms`; a hung D-Bus call must not hang the driver. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, timers: Timers): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const h = timers.setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        timers.clearTimeout(h);
        resolve(v);
      },
      (e: unknown) => {
        timers.clearTimeout(h);
        reject(e);
      },
    );
  });
}
