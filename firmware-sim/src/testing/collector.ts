/** Test helper: collects events and resolves when a condition on them holds (no sleeps, no polling). */
export interface Collector<T> {
  readonly items: T[];
  push(item: T): void;
  until(pred: (items: T[]) => boolean): Promise<void>;
  clear(): void;
}

export function collector<T>(): Collector<T> {
  const items: T[] = [];
  let waiters: { pred: (xs: T[]) => boolean; resolve: () => void }[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      const ready = waiters.filter((w) => w.pred(items));
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve();
    },
    until(pred) {
      if (pred(items)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    clear() {
      items.length = 0;
    },
  };
}
