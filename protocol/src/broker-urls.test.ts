import { describe, expect, it } from 'vitest';
import { brokerConnectArgs, splitBrokerUrls } from './broker-urls.js';

describe('broker lists', () => {
  it('one URL is passed through as is', () => {
    expect(brokerConnectArgs('mqtt://127.0.0.1:1883')).toEqual({ url: 'mqtt://127.0.0.1:1883' });
  });

  it('several URLs become mqtt.js servers, in order, default ports filled and IPv6 unbracketed', () => {
    expect(brokerConnectArgs('mqtt://10.0.0.1:1884, mqtt://[::1], mqtt://b.example')).toEqual({
      url: 'mqtt://10.0.0.1:1884',
      servers: [
        { host: '10.0.0.1', port: 1884, protocol: 'mqtt' },
        { host: '::1', port: 1883, protocol: 'mqtt' },
        { host: 'b.example', port: 1883, protocol: 'mqtt' },
      ],
    });
  });

  it('refuses a list that mixes TLS and plain nodes, or names a non-MQTT URL, saying which', () => {
    expect(() => brokerConnectArgs('mqtts://a:8883,mqtt://b:1883')).toThrow(/mixes TLS and plain/);
    expect(() => brokerConnectArgs('mqtt://a:1883,http://b')).toThrow(/"http:\/\/b" is not an MQTT URL/);
    expect(() => brokerConnectArgs('mqtt://a:1883,nonsense')).toThrow(/"nonsense" is not a URL/);
    expect(() => brokerConnectArgs(' , ')).toThrow(/no broker URL/);
  });

  it('splits and trims, ignoring empty entries', () => {
    expect(splitBrokerUrls(' mqtt://a:1 ,,mqtt://b:2 ')).toEqual(['mqtt://a:1', 'mqtt://b:2']);
  });
});
