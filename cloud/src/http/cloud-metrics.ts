/**
 * The cloud's Prometheus metrics (GET /metrics), on its own registry as the gateway's (several clouds
 * can run in one process, e.g. in tests). Stored readings and alert changes are counted as they
 * happen (the ingest's and the alert engine's events); the ingest's counters, the store's unreadable
 * rows and the relay's counters are kept by those parts (the ingest may run in worker processes that
 * report their sums) and copied at scrape time from memory: no query runs on a scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { HttpDeps } from './deps.js';

type IngestCounter = Exclude<keyof ReturnType<HttpDeps['ingest']['metrics']>, 'malformed' | 'lastBatchAt' | 'workers'>;

/** Ingest counters exported one for one: the JSON field, the metric's name suffix and its help. */
const INGEST: readonly [IngestCounter, string, string][] = [
  ['batchesReceived', 'batches_received', 'Observation batches received over MQTT'],
  ['batchesAcked', 'batches_acked', 'Batches acknowledged to their gateway'],
  ['duplicates', 'readings_duplicate', 'Readings received again and not stored twice'],
  ['readingsRejected', 'readings_rejected', 'Readings rejected inside otherwise valid batches'],
  ['readingsNotServed', 'readings_not_served', 'Readings of a patient not assigned to the sending gateway (part of readings_rejected)'],
  ['readingsUnaddressable', 'readings_unaddressable', 'Readings too broken to be acked (their seq is unknown)'],
  ['statusesReceived', 'statuses_received', 'Gateway status messages received'],
  ['storeErrors', 'store_errors', 'Store failures while ingesting (nothing acked, the gateway resends)'],
  ['storeRetries', 'store_retries', 'Store transactions run again after a transient conflict'],
  ['storeCommits', 'store_commits', 'Store transactions committed by the ingest (one per intake round: its group commit)'],
  ['ackPublishErrors', 'ack_publish_errors', 'Acks that could not be published'],
];

export class CloudMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: (() => unknown)[] = [];

  constructor(deps: Pick<HttpDeps, 'ingest' | 'store' | 'alerts' | 'teleconsult' | 'outbox'>) {
    const r = [this.registry];
    const stored = new Counter({
      name: 'telecart_cloud_observations_stored_total',
      help: 'Readings newly stored (not counting duplicates), since start',
      labelNames: ['loinc'] as const,
      registers: r,
    });
    this.unsubscribe.push(deps.ingest.onObservation((obs) => stored.inc({ loinc: obs.code.loinc })));

    for (const [field, name, help] of INGEST) {
      new Counter({
        name: `telecart_cloud_ingest_${name}_total`,
        help,
        registers: r,
        collect() {
          this.reset();
          this.inc(deps.ingest.metrics()[field]);
        },
      });
    }
    new Counter({
      name: 'telecart_cloud_ingest_malformed_total',
      help: 'Whole MQTT messages dropped, by reason',
      labelNames: ['reason'] as const,
      registers: r,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(deps.ingest.metrics().malformed)) this.inc({ reason }, n);
      },
    });
    new Gauge({
      name: 'telecart_cloud_mqtt_connected',
      help: '1 when the ingest is connected to the broker',
      registers: r,
      collect() {
        this.set(deps.ingest.isConnected() ? 1 : 0);
      },
    });
    new Counter({
      name: 'telecart_cloud_store_unreadable_rows_total',
      help: 'Stored rows the reads skipped because they cannot be served, by table, since start',
      labelNames: ['table'] as const,
      registers: r,
      collect() {
        this.reset();
        for (const [table, n] of Object.entries(deps.store.unreadableRows())) this.inc({ table }, n);
      },
    });

    const alerts = deps.alerts;
    if (alerts) {
      const changes = new Counter({
        name: 'telecart_cloud_alert_changes_total',
        help: 'Telemonitoring alert changes (opened, updated, acknowledged, resolved), by severity, since start',
        labelNames: ['change', 'severity'] as const,
        registers: r,
      });
      this.unsubscribe.push(alerts.onAlert((e) => changes.inc({ change: e.change, severity: e.alert.severity })));
    }

    const outbox = deps.outbox;
    if (outbox) {
      new Counter({
        name: 'telecart_cloud_outbox_messages_total',
        help: 'Outbox messages settled by the sender since start, by channel (email, sms) and outcome (sent, retried, failed)',
        labelNames: ['channel', 'outcome'] as const,
        registers: r,
        collect() {
          this.reset();
          for (const [channel, outcomes] of Object.entries(outbox.metrics()?.settled ?? {}))
            for (const [outcome, n] of Object.entries(outcomes)) this.inc({ channel, outcome }, n);
        },
      });
      new Gauge({
        name: 'telecart_cloud_outbox_pending',
        help: "Messages waiting in the outbox (due or not) after the sender's last round",
        registers: r,
        collect() {
          this.set(outbox.metrics()?.pending ?? 0);
        },
      });
      new Gauge({
        name: 'telecart_cloud_outbox_failed',
        help: 'Messages recorded as failed for good (in the store), as of the last round',
        registers: r,
        collect() {
          this.set(outbox.metrics()?.failedTotal ?? 0);
        },
      });
    }

    const tc = deps.teleconsult;
    if (tc) {
      new Gauge({
        name: 'telecart_cloud_teleconsult_active_sessions',
        help: 'Teleconsultation acts in progress',
        registers: r,
        collect() {
          this.set(tc.relay.metrics().activeSessions);
        },
      });
      new Gauge({
        name: 'telecart_cloud_teleconsult_open_pages',
        help: "Specialists' consultation pages connected to the relay",
        registers: r,
        collect() {
          this.set(tc.relay.metrics().openPages);
        },
      });
    }
  }

  /** Stops counting (the app closes): the ingest and the alert engine outlive it in tests. */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
