import { describe, expect, it } from 'vitest';
import { fullUuid } from '../model/frame.js';
import { BLE_DEFINITIONS, genericSigBle } from './ble/index.js';
import { bleSubscriptions, isMultiUser, roleOf } from './define.js';
import { matchDefinition } from './match.js';

describe('body composition scales (Body Composition Service 0x181B)', () => {
  it('are served by the generic definition, which subscribes to 0x2A9C as readings', () => {
    const c = matchDefinition(BLE_DEFINITIONS, { transport: 'ble', name: 'NoName BCS', services: [fullUuid('181B')] });
    expect(c?.definition).toBe(genericSigBle);
    expect(c?.reason).toBe('generic: service 181B');
    expect(roleOf(genericSigBle, '2A9C')).toBe('reading');
    expect(bleSubscriptions(genericSigBle).filter((s) => s.uuid.slice(4, 8) === '2a9c')).toMatchObject([{ role: 'reading' }]);
    expect(isMultiUser(genericSigBle)).toBe(true);
  });
});
