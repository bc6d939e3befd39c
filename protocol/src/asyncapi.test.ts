import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { buildAsyncApiDocument, toJsonSchema } from './asyncapi.js';
import { BatchAck, ObservationBatch } from './schemas/batch.js';
import { RtcDown, RtcUp } from './schemas/rtc.js';
import { GatewayStatus } from './schemas/status.js';
import { topics } from './topics.js';

const committed = JSON.parse(readFileSync(new URL('../asyncapi.json', import.meta.url), 'utf8')) as unknown;

describe('AsyncAPI document', () => {
  it('is the one generated from the code schemas (run `npm run asyncapi -w @telecart/protocol`)', () => {
    expect(committed).toEqual(buildAsyncApiDocument());
  });

  it('is a valid AsyncAPI 3 document with no error diagnostics', async () => {
    const parser = new Parser();
    const { document, diagnostics } = await parser.parse(JSON.stringify(committed));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document?.version()).toBe('3.0.0');
  });

  it('declares each message payload exactly as the runtime schema, on the topics the code uses', async () => {
    const { document } = await new Parser().parse(JSON.stringify(committed));
    if (!document) throw new Error('document did not parse');
    const payload = (channel: string) => {
      const msg = document.channels().get(channel)?.messages().all()[0];
      return msg?.payload()?.json();
    };
    const strip = (s: unknown) => JSON.parse(JSON.stringify(s, (k, v) => (k.startsWith('x-parser') ? undefined : v))) as unknown;
    expect(strip(payload('uplink'))).toEqual(toJsonSchema(ObservationBatch));
    expect(strip(payload('ack'))).toEqual(toJsonSchema(BatchAck));
    expect(strip(payload('status'))).toEqual(toJsonSchema(GatewayStatus));
    expect(strip(payload('rtcUp'))).toEqual(toJsonSchema(RtcUp));
    expect(strip(payload('rtcDown'))).toEqual(toJsonSchema(RtcDown));

    const addr = (channel: string, params: Record<string, string>) =>
      Object.entries(params).reduce((a, [k, v]) => a.replace(`{${k}}`, v), document.channels().get(channel)?.address() ?? '');
    expect(addr('uplink', { gatewayId: 'cart-7', lane: 'alarm' })).toBe(topics.uplink('cart-7', 'alarm'));
    expect(addr('ack', { gatewayId: 'cart-7' })).toBe(topics.ack('cart-7'));
    expect(addr('status', { gatewayId: 'cart-7' })).toBe(topics.status('cart-7'));
    expect(addr('rtcUp', { gatewayId: 'cart-7' })).toBe(topics.rtcUp('cart-7'));
    expect(addr('rtcDown', { gatewayId: 'cart-7' })).toBe(topics.rtcDown('cart-7'));
  });
});
