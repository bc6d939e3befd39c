/**
 * The gateway and the cloud against a real Mosquitto, over MQTT 5 and MQTT 3.1.1: readings
 * recorded on the gateway end up in the cloud store once, and the gateway's backlog drains
 * (the end-to-end ack came back through the external broker).
 */
import { type Cloud, startCloud } from '@telecart/cloud';
import { afterEach, describe, expect, it } from 'vitest';
import { type Mosquitto, startMosquitto } from '../../cloud/src/testing/mosquitto.js';
import { waitFor } from '../support/wait.js';
import { type HomeGateway, homeGateway, quiet, servedPatients, tempDir } from './support.js';

describe.each([5, 4] as const)('gateway → Mosquitto → cloud over MQTT protocol level %i', (v) => {
  let mosquitto: Mosquitto | undefined;
  let cloud: Cloud | undefined;
  let gw: HomeGateway | undefined;
  const dir = tempDir();

  afterEach(async () => {
    await gw?.stop();
    await cloud?.stop();
    await mosquitto?.stop();
    dir.remove();
  });

  it('delivers every reading exactly once and drains the gateway backlog', async () => {
    mosquitto = await startMosquitto();
    const gatewayId = `home-v${v}`;
    cloud = await startCloud({
      dataDir: dir.path,
      externalBrokerUrl: mosquitto.url,
      mqttVersion: v,
      httpPort: 0,
      patients: servedPatients([gatewayId]),
      logger: quiet(),
    });
    gw = await homeGateway({ gatewayId, cloudUrl: mosquitto.url, dataDir: `${dir.path}/gw`, mqttVersion: v });
    await waitFor(() => gw?.gateway.sync.connected, { what: 'the gateway to connect' });
    gw.measure(12);
    const c = cloud;
    const g = gw;
    await waitFor(async () => (await c.store.countObservations({})) === 12 && g.gateway.store.stats().pending === 0, {
      what: '12 readings stored and acked',
    });
    // Both clients really spoke that protocol level (Mosquitto logs 3.1.1 as p2, 5 as p5).
    const p = v === 5 ? 'p5' : 'p2';
    expect(mosquitto.log()).toContain(`as ${gatewayId} (${p},`);
    expect(mosquitto.log()).toMatch(new RegExp(`as telecart-ingest-[0-9a-f]+ \\(${p},`));
    expect(cloud.ingest.metrics()).toMatchObject({ observationsStored: 12, duplicates: 0, malformedTotal: 0 });
    const ids = (await cloud.store.getObservations({ limit: 100 })).map((o) => o.seq).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
