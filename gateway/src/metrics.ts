/**
 * Prometheus metrics of one gateway, on its own registry (several gateways can run in one
 * process, e.g. in tests). Counters are incremented by the parts; backlog gauges read the store
 * at scrape time so they are never stale.
 */

import type { Clock } from '@telecart/devices';
import { LANES, type Lane } from '@telecart/protocol';
import { Counter, Gauge, Registry } from 'prom-client';
import type { StoreStats } from './store/reading-store.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  /**
   * Readings committed per lane since the last scrape: the pipeline adds to a number per reading
   * and the scrape moves the sums into readingsRecorded (prom-client's inc() hashes its labels on
   * each call: ~3 µs per reading on the burst path under --lite-mode).
   */
  readonly recordedSinceScrape: Record<Lane, number> = { alarm: 0, spot: 0, waveform: 0 };
  readonly readingsRecorded: Counter<'lane'> = new Counter({
    name: 'telecart_gateway_readings_recorded_total',
    help: 'Readings committed to the local store',
    labelNames: ['lane'] as const,
    registers: [this.registry],
    collect: () => {
      for (const lane of LANES) {
        const n = this.recordedSinceScrape[lane];
        if (n === 0) continue;
        this.readingsRecorded.inc({ lane }, n);
        this.recordedSinceScrape[lane] = 0;
      }
    },
  });
  readonly duplicates = new Counter({
    name: 'telecart_gateway_readings_duplicate_total',
    help: 'Re-read readings recognised by their content key and not stored again',
    registers: [this.registry],
  });
  readonly malformedFrames = new Counter({
    name: 'telecart_gateway_malformed_frames_total',
    help: 'Device frames that could not be decoded or stored, by device and reason',
    labelNames: ['device', 'reason'] as const,
    registers: [this.registry],
  });
  readonly notPatientData = new Counter({
    name: 'telecart_gateway_not_patient_data_total',
    help: 'Device readings that are not patient data (control solution, demonstration / test data), not recorded',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly liveValues = new Counter({
    name: 'telecart_gateway_live_values_total',
    help: 'Preliminary (live) values shown but not stored',
    registers: [this.registry],
  });
  readonly batchesSent = new Counter({
    name: 'telecart_gateway_batches_sent_total',
    help: 'Observation batches published (including resends)',
    labelNames: ['lane'] as const,
    registers: [this.registry],
  });
  readonly uplinkBytes = new Counter({
    name: 'telecart_gateway_uplink_bytes_total',
    help: 'Encoded batch payload bytes published (including resends), by lane',
    labelNames: ['lane'] as const,
    registers: [this.registry],
  });
  readonly batchesAcked = new Counter({
    name: 'telecart_gateway_batches_acked_total',
    help: 'Batches the cloud acknowledged as durably stored',
    registers: [this.registry],
  });
  readonly batchesResent = new Counter({
    name: 'telecart_gateway_batches_timed_out_total',
    help: 'Batches not acked within the ack timeout (their readings are sent again)',
    registers: [this.registry],
  });
  readonly acksIgnored = new Counter({
    name: 'telecart_gateway_acks_ignored_total',
    help: 'Acks ignored: malformed, for another gateway, or for an unknown batch',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly readingsAcked = new Counter({
    name: 'telecart_gateway_readings_acked_total',
    help: 'Readings removed from the store after the cloud stored them',
    registers: [this.registry],
  });
  readonly readingsRejected = new Counter({
    name: 'telecart_gateway_readings_rejected_total',
    help: 'Readings the cloud rejected (quarantined locally)',
    registers: [this.registry],
  });

  readonly storeAlarm = new Gauge({
    name: 'telecart_gateway_store_alarm',
    help: 'Store fill alarm: 0 ok, 1 near full (waveform capture refused), 2 full (every reading refused)',
    registers: [this.registry],
  });
  readonly storeAlarms = new Counter({
    name: 'telecart_gateway_store_alarms_total',
    help: 'Times the store crossed into near-full or full',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  readonly readingsRefused = new Counter({
    name: 'telecart_gateway_readings_refused_total',
    help: 'Readings refused because the store was past its soft (waveforms) or hard cap',
    labelNames: ['lane', 'level'] as const,
    registers: [this.registry],
  });

  /** Backlog gauges, read from the store at each scrape. */
  observeBacklog(stats: () => StoreStats, clock: Clock): void {
    new Gauge({
      name: 'telecart_gateway_backlog_readings',
      help: 'Readings in the local store, by state (pending = waiting for the cloud, held = waiting for a patient)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const s = stats();
        this.set({ state: 'pending' }, s.pending);
        this.set({ state: 'held' }, s.held);
        this.set({ state: 'rejected' }, s.rejected);
      },
    });
    new Gauge({
      name: 'telecart_gateway_backlog_bytes',
      help: 'JSON bytes of readings not yet in the cloud (pending + held)',
      registers: [this.registry],
      collect() {
        this.set(stats().bytes);
      },
    });
    new Gauge({
      name: 'telecart_gateway_oldest_unsynced_age_seconds',
      help: 'Age of the oldest reading not yet in the cloud (0 when none)',
      registers: [this.registry],
      collect() {
        const oldest = stats().oldestUnsyncedAt;
        this.set(oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
      },
    });
    new Gauge({
      name: 'telecart_gateway_lane_backlog_readings',
      help: 'Readings not yet in the cloud (pending + held), by lane',
      labelNames: ['lane'] as const,
      registers: [this.registry],
      collect() {
        const s = stats();
        for (const l of LANES) this.set({ lane: l }, s.lanes[l].pending + s.lanes[l].held);
      },
    });
    new Gauge({
      name: 'telecart_gateway_lane_backlog_bytes',
      help: 'JSON bytes of readings not yet in the cloud, by lane',
      labelNames: ['lane'] as const,
      registers: [this.registry],
      collect() {
        const s = stats();
        for (const l of LANES) this.set({ lane: l }, s.lanes[l].bytes);
      },
    });
    new Gauge({
      name: 'telecart_gateway_lane_oldest_unsynced_age_seconds',
      help: 'Age of the oldest reading not yet in the cloud, by lane (0 when none)',
      labelNames: ['lane'] as const,
      registers: [this.registry],
      collect() {
        const s = stats();
        for (const l of LANES) {
          const oldest = s.lanes[l].oldestUnsyncedAt;
          this.set({ lane: l }, oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
        }
      },
    });
    new Gauge({
      name: 'telecart_gateway_store_used_bytes',
      help: 'JSON bytes of every reading kept (pending, held, rejected): what the store caps count',
      registers: [this.registry],
      collect() {
        this.set(stats().capacity.usedBytes);
      },
    });
    new Gauge({
      name: 'telecart_gateway_store_cap_bytes',
      help: 'Store caps: soft (waveforms refused past it) and hard (everything refused); absent when unlimited',
      labelNames: ['cap'] as const,
      registers: [this.registry],
      collect() {
        const c = stats().capacity;
        if (Number.isFinite(c.maxBytes)) {
          this.set({ cap: 'soft' }, c.waveformStopBytes);
          this.set({ cap: 'hard' }, c.maxBytes);
        }
      },
    });
  }
}
