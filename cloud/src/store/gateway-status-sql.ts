/**
 * A gateway's last status, kept by both stores (sqlite-intake.ts, postgres-store.ts) with the same
 * statement; only the parameter marks differ (`?` and `$1`…). Last received wins, not the latest `at`:
 * the broker publishes the last will with the timestamp the gateway composed at connect time, older
 * than its later statuses. What a status leaves out (version, backlog, devices) keeps its last value.
 */
export function gatewayStatusUpsert(param: (n: number) => string): string {
  const values = [1, 2, 3, 4, 5, 6, 7].map(param).join(', ');
  return `INSERT INTO gateways (gateway_id, online, status_at, version, backlog_json, devices_json, status_received_at)
    VALUES (${values})
    ON CONFLICT (gateway_id) DO UPDATE SET
      online = excluded.online, status_at = excluded.status_at,
      version = COALESCE(excluded.version, gateways.version),
      backlog_json = COALESCE(excluded.backlog_json, gateways.backlog_json),
      devices_json = COALESCE(excluded.devices_json, gateways.devices_json),
      status_received_at = excluded.status_received_at`;
}
