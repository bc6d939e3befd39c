/** Telemonitoring alerts as the stores keep them (migration 4; docs/telemonitoring-alerts.md). */

export type AlertSeverity = 'critical' | 'warning';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

export interface AlertRecord {
  id: string;
  patientId: string;
  /** Rule id, e.g. 'hf-weight-gain-3d'. */
  rule: string;
  /** The highest severity seen while open. */
  severity: AlertSeverity;
  status: AlertStatus;
  /** ISO times. */
  openedAt: string;
  lastAt: string;
  /** How many triggers this alert gathered (1 when opened). */
  count: number;
  /** The reading(s) of the first and of the latest trigger (none for non-transmission). */
  firstObservationIds: string[];
  lastObservationIds: string[];
  /** Key of the human text and the values of the latest trigger. */
  textKey: string;
  values: Record<string, number | string>;
  ackBy: string | null;
  ackAt: string | null;
  ackNote: string | null;
  resolvedAt: string | null;
  /** 'system' when the condition ended by itself (data arrived again). */
  resolvedBy: string | null;
}

/** A trigger: opens the (patient, rule) alert, or updates the open one. */
export interface AlertTrigger {
  patientId: string;
  rule: string;
  severity: AlertSeverity;
  at: Date;
  observationIds: readonly string[];
  textKey: string;
  values: Record<string, number | string>;
}

export interface AlertQuery {
  status?: AlertStatus;
  patientId?: string;
  /** Only these patients (a clinician's); [] matches nothing. */
  patientIds?: readonly string[];
  rule?: string;
  /** Inclusive bounds on the last trigger time. */
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

export interface AlertPage {
  total: number;
  /** Critical first, then the latest trigger first. */
  alerts: AlertRecord[];
}

export type AckResult =
  | { outcome: 'acknowledged'; alert: AlertRecord }
  | { outcome: 'not-open'; alert: AlertRecord }
  | { outcome: 'not-found' };

/** Trigger ids kept per alert side: enough to find the readings, bounded. */
export const MAX_TRIGGER_IDS = 8;
