import { expect, it } from 'vitest';
import { demoGatewayNodeFlags, GATEWAY_NODE_FLAGS } from './gateway-node-flags.js';

it('starts the demo gateway with the production flags unless TELECART_GATEWAY_NODE_FLAGS replaces them', () => {
  expect(demoGatewayNodeFlags({})).toEqual(GATEWAY_NODE_FLAGS);
  expect(demoGatewayNodeFlags({ TELECART_GATEWAY_NODE_FLAGS: '--max-semi-space-size=2  --no-opt' })).toEqual([
    '--max-semi-space-size=2',
    '--no-opt',
  ]);
  // Empty: no flags at all (the bench's "Node's defaults" combination).
  expect(demoGatewayNodeFlags({ TELECART_GATEWAY_NODE_FLAGS: '' })).toEqual([]);
});
