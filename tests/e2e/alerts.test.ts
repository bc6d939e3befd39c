/**
 * Telemonitoring alerts through the real cloud: a gateway publishes a heart-failure patient's
 * weights over MQTT, the cloud raises one alert, ignores a re-delivered batch, raises and then
 * resolves a non-transmission alert on a fake clock, and clinicians read and acknowledge it over
 * HTTP, each within their own carts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@telecart/cloud';
import type { ObservationBatch } from '@telecart/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClinician } from '../../cloud/src/testing/clinician.js';
import { batchOf, reading } from '../../cloud/src/testing/observations.js';
import { TestGateway } from '../../cloud/src/testing/test-gateway.js';

const DAY = 86_400_000;
const START = Date.parse('2026-11-16T07:30:00Z');

describe('telemonitoring alerts end to end', () => {
  let dir: string;
  let cloud: Cloud;
  let gw: TestGateway;
  let now = START;
  let tick: (() => void) | undefined;
  let seq = 0;
  const home = testClinician({ id: 'dr-home', gateways: ['home-*'] });
  const other = testClinician({ id: 'dr-cart', gateways: ['cart-*'], audit: false });

  const api = (path: string, who = home, init: RequestInit = {}) =>
    fetch(`${cloud.httpUrl}${path}`, { ...init, headers: { ...who.headers, ...(init.headers ?? {}) } });
  const weighs = (at: number, value: number) =>
    batchOf([reading('weight', { seq: ++seq, gatewayId: 'home-42', patientId: 'hf-1', at: new Date(at).toISOString(), value })], {
      gatewayId: 'home-42',
    });
  /** Publishes and waits for the ack, then for the engine to finish what the batch queued. */
  const send = async (batch: ObservationBatch) => {
    const ack = await gw.send(batch);
    await cloud.alerts.idle();
    return ack;
  };
  const list = async (query = '', who = home) =>
    (await (await api(`/api/alerts${query}`, who)).json()) as { total: number; alerts: Record<string, unknown>[] };

  /** An SSE stream of /api/events as `who`; `until` reads until the text so far matches. */
  const events = async (who: typeof home) => {
    const res = await api('/api/events', who);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    return {
      async until(re: RegExp): Promise<string> {
        while (!re.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${re}: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
        return text;
      },
      close: () => reader.cancel(),
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecart-alerts-'));
    cloud = await startCloud({
      dataDir: dir,
      mqttPort: 0,
      httpPort: 0,
      logger: pino({ level: 'silent' }),
      patients: [
        {
          id: 'hf-1',
          family: 'Durand',
          given: 'Paul',
          gateways: ['home-42'],
          telemonitoring: { programme: 'heart-failure', since: new Date(START).toISOString() },
        },
        { id: 'ehpad-9', family: 'Petit', given: 'Louis', gateways: ['cart-b1'] },
      ],
      telemonitoring: {
        now: () => now,
        schedule: (task) => {
          tick = task;
          return () => {
            tick = undefined;
          };
        },
      },
      teleconsult: { specialists: [home.account, other.account] },
    });
    gw = await TestGateway.connect(cloud.mqttUrl, 'home-42');
  });
  afterAll(async () => {
    await gw?.close();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises exactly one open alert for +2.1 kg over 4 days, and nothing more for a re-delivered batch', async () => {
    const batches = [68.0, 68.7, 69.4, 70.1].map((kg, i) => weighs(START + i * DAY, kg));
    for (const [i, b] of batches.entries()) {
      now = START + i * DAY + 60_000;
      await send(b);
    }
    const open = await list('?status=open');
    expect(open.total).toBe(1);
    expect(open.alerts[0]).toMatchObject({
      patientId: 'hf-1',
      rule: 'hf-weight-gain-3d',
      severity: 'critical',
      count: 1,
      values: { gainKg: 2.1 },
    });

    // The home box lost the acks and sends the last batch again, days later: all duplicates.
    now += 2 * DAY;
    const ack = await send(batchOf((batches[3] as ObservationBatch).observations, { gatewayId: 'home-42' }));
    expect(ack.duplicates).toBe(1);
    expect(await list('?status=open')).toMatchObject({ total: 1, alerts: [{ count: 1 }] });

    // The patient's trends page lists the open alert in words above the charts.
    const page = await (await api('/patients/hf-1')).text();
    expect(page).toMatch(/<section id="patient-alerts"[\s\S]*Critique[\s\S]*Poids \+2,1 kg en 3 jours \(68,0 → 70,1 kg\)/);
  });

  it('opens a non-transmission alert after 2 days without weight, resolved by the system when one arrives', async () => {
    // The last weight is from day 3 (07:30); the clock is 2 days later, 07:31.
    tick?.();
    await cloud.alerts.idle();
    const silent = (await list('?status=open')).alerts.find((a) => a.rule === 'hf-no-weight');
    expect(silent).toMatchObject({ severity: 'warning', values: { days: 2 } });

    await send(weighs(now, 70.0));
    expect((await list('?status=open')).alerts.map((a) => a.rule)).toEqual(['hf-weight-gain-3d']);
    expect(await list('?status=resolved')).toMatchObject({
      total: 1,
      alerts: [{ id: silent?.id, rule: 'hf-no-weight', resolvedBy: 'system' }],
    });
  });

  it('lets the clinician of the home box acknowledge with a note (audited), and hides it from another cart’s clinician', async () => {
    const [alert] = (await list('?status=open')).alerts;
    const id = String(alert?.id);
    const mine = await events(home);
    const theirs = await events(other);
    await mine.until(/: connected/);
    await theirs.until(/: connected/);
    // Another cart's clinician sees nothing and cannot acknowledge it.
    expect(await list('', other)).toMatchObject({ total: 0, alerts: [] });
    expect((await api('/api/alerts?patient=hf-1', other)).status).toBe(404);
    const foreign = await api(`/api/alerts/${id}/ack`, other, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(foreign.status).toBe(404);

    const ack = await api(`/api/alerts/${id}/ack`, home, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'diuretic increased by phone' }),
    });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({
      alert: { id, status: 'acknowledged', ackBy: 'dr-home', ackNote: 'diuretic increased by phone' },
    });
    const again = await api(`/api/alerts/${id}/ack`, home, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(again.status).toBe(409);
    expect(await list('?status=open')).toMatchObject({ total: 0 });

    // The live stream tells the home box's clinician; the other clinician's stream carries only its own cart:
    // a reading from its cart, published after the acknowledgement, comes with no alert before it.
    const live = await mine.until(/event: alert\ndata: .*"change":"acknowledged"/);
    expect(live).toContain(`"id":"${id}"`);
    const cartGw = await TestGateway.connect(cloud.mqttUrl, 'cart-b1');
    await cartGw.send(batchOf([reading('pulse', { seq: 1, gatewayId: 'cart-b1', patientId: 'ehpad-9' })], { gatewayId: 'cart-b1' }));
    const seen = await theirs.until(/event: observation/);
    expect(seen).not.toContain('event: alert');
    await cartGw.close();
    await Promise.all([mine.close(), theirs.close()]);

    // The audit trail is written in the background: wait for the line, then check it.
    await expect
      .poll(async () => (await cloud.store.listAudit({ actor: 'dr-home', patientId: 'hf-1' })).filter((e) => e.action === 'alert-ack'))
      .toMatchObject([{ detail: expect.stringContaining('diuretic increased by phone') }]);
    expect((await api('/api/alerts?status=closed', home)).status).toBe(400);
  });
});
