/**
 * The two ways the cloud's ingest takes the gateways' messages (docs/region.md, « The ingest in the
 * broker's process »), for tests that must hold in both: as an MQTT client of a broker ('mqtt': the
 * external-broker layout, and the embedded one before) or in the embedded broker's process ('in-process').
 */
import type { EmbeddedBroker } from '../broker/embedded-broker.js';
import { type Ingest, type IngestSettings, startIngest, startInProcessIngest } from '../ingest/ingest.js';

export const INGEST_LAYOUTS = ['mqtt', 'in-process'] as const;
export type IngestLayout = (typeof INGEST_LAYOUTS)[number];

/** The ingest on `broker`: over MQTT at `url` (the broker's public or internal address), or in its process. */
export function startIngestIn(layout: IngestLayout, broker: EmbeddedBroker, url: string, settings: IngestSettings): Promise<Ingest> {
  return layout === 'mqtt' ? startIngest({ brokerUrl: url, ...settings }) : startInProcessIngest(broker.inProcessClient(), settings);
}
