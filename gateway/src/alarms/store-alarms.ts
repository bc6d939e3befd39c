/**
 * The store's technical alarm: near its size cap (waveform capture refused) or full (every
 * reading refused). Raised as an error log, a metric (gauge + counters) and the capacity level
 * in /api/status and `telecart gateway status`; the cloud sees the backlog in the retained
 * status. Not an alarm-lane observation: an Observation must name a patient and a LOINC code,
 * and a full disk has neither (see docs/sync-protocol.md).
 */
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { CapacityChange, ReadingStore, RefusedReading } from '../store/reading-store.js';

export interface StoreAlarmOptions {
  logger: Logger;
  metrics?: GatewayMetrics;
}

/** Watches the store's fill level; returns the function that stops watching. */
export function watchStoreCapacity(store: ReadingStore, opts: StoreAlarmOptions): () => void {
  const { logger, metrics } = opts;
  let refusedLogged = false;
  const onCapacity = (c: CapacityChange) => {
    metrics?.storeAlarm.set(c.level === 'ok' ? 0 : c.level === 'near-full' ? 1 : 2);
    const ctx = { usedBytes: c.capacity.usedBytes, waveformStopBytes: c.capacity.waveformStopBytes, maxBytes: c.capacity.maxBytes };
    if (c.level === 'ok') {
      refusedLogged = false;
      logger.info(ctx, 'store alarm cleared: below the soft cap again, waveform capture accepted');
      return;
    }
    metrics?.storeAlarms.inc({ level: c.level });
    if (c.level === 'near-full' && c.previous === 'ok')
      logger.error(ctx, 'STORE ALARM: gateway store nearly full; waveform capture refused until the cloud takes the backlog');
    else if (c.level === 'full') logger.error(ctx, 'STORE ALARM: gateway store full; new readings are refused (nothing is deleted)');
  };
  const onRefused = (r: RefusedReading) => {
    metrics?.readingsRefused.inc({ lane: r.lane, level: r.error.level });
    // One log line per episode: a capture loop retrying must not flood the journal.
    if (!refusedLogged) {
      refusedLogged = true;
      logger.warn({ lane: r.lane, level: r.error.level, err: r.error.message }, 'reading refused: store full');
    }
  };
  const now = store.capacity();
  metrics?.storeAlarm.set(now.level === 'ok' ? 0 : now.level === 'near-full' ? 1 : 2);
  if (now.level !== 'ok')
    logger.error(
      { usedBytes: now.usedBytes, maxBytes: now.maxBytes, level: now.level },
      'STORE ALARM at start: gateway store past its soft cap',
    );
  store.on('capacity', onCapacity);
  store.on('refused', onRefused);
  return () => {
    store.off('capacity', onCapacity);
    store.off('refused', onRefused);
  };
}
