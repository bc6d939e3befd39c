/**
 * Runs one GATT operation at a time per device: real peripherals (and BlueZ) reject or garble
 * concurrent ATT requests, so reads, writes and StartNotify are chained. Some devices also drop a
 * request that follows the previous one too closely: `gapMs` spaces them (quirk 'gatt-op-gap').
 */
export interface GattQueueOptions {
  gapMs?: number;
  /** Waits ms; injected so tests run on fake timers. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class GattQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: GattQueueOptions = {}) {}

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op, op);
    const gap = this.opts.gapMs ?? 0;
    // The chain continues whatever the outcome; callers see their own result or error.
    const settled = result.catch(() => undefined);
    this.tail = gap > 0 ? settled.then(() => (this.opts.sleep ?? realSleep)(gap)) : settled;
    return result;
  }

  /** Resolves when every operation queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
