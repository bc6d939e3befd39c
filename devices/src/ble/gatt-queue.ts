/**
 * Runs one GATT operation at a time per device: real peripherals (and BlueZ) reject or garble
 * concurrent ATT requests, so reads, writes and StartNotify are chained.
 */
export class GattQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op, op);
    // The chain continues whatever the outcome; callers see their own result or error.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every operation queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
