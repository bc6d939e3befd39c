/** The forwarding unit's host addresses: checked by the configuration schema, and given to the unit when the cloud starts. */
import { describe, expect, it } from 'vitest';
import { forwardingUnitOf } from '../cloud.js';
import { validateCloudConfig } from '../config.js';

const withAddresses = (hostAddresses: unknown) => validateCloudConfig({ teleconsult: { forwardingUnit: { hostAddresses } } });

describe('teleconsult.forwardingUnit.hostAddresses', () => {
  it('takes IPv4 addresses, and refuses what is not one with the path', () => {
    const ok = withAddresses(['192.0.2.10']);
    if (!ok.ok) expect.fail(JSON.stringify(ok));
    expect(ok.value.teleconsult.forwardingUnit.hostAddresses).toEqual(['192.0.2.10']);
    for (const bad of [['192.0.2.300'], ['cloud.example.org'], []]) {
      const r = withAddresses(bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      if (!r.ok) expect(JSON.stringify(r)).toContain('forwardingUnit');
    }
  });

  it('reaches the unit from the configuration; a caller’s unit options win', () => {
    expect(forwardingUnitOf({ teleconsult: { forwardingUnit: { hostAddresses: ['192.0.2.10'] } } })).toEqual({
      forwardingUnit: { hostAddresses: ['192.0.2.10'] },
    });
    expect(forwardingUnitOf({ teleconsult: {} })).toEqual({});
    expect(
      forwardingUnitOf({
        teleconsult: { forwardingUnit: { hostAddresses: ['192.0.2.10'] } },
        forwardingUnit: { hostAddresses: ['127.0.0.1'] },
      }),
    ).toEqual({ forwardingUnit: { hostAddresses: ['127.0.0.1'] } });
  });
});
