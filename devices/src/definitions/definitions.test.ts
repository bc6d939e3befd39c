import { describe, expect, it } from 'vitest';
import { fullUuid } from '../model/frame.js';
import { BLE_DEFINITIONS, genericSigBle } from './ble/index.js';
import { bloodPressure, currentTime, deviceInformation, recordAccess, streamDecoder } from './capabilities.js';
import { bleSubscriptions, capabilityOf, currentTimeOf, defineDevice, isMultiUser, quirkOf, roleOf } from './define.js';
import { matchDefinition } from './match.js';

const ble = (name: string | undefined, services: string[], manufacturerData?: Record<number, Uint8Array>) => ({
  transport: 'ble' as const,
  ...(name !== undefined ? { name } : {}),
  services: services.map(fullUuid),
  ...(manufacturerData ? { manufacturerData } : {}),
});

describe('device definitions', () => {
  it('picks the model definition over the generic one, and says why', () => {
    const c = matchDefinition(BLE_DEFINITIONS, ble('A&D_UA-651_0123', ['1810']));
    expect(c?.definition.id).toBe('and-ua-651ble');
    expect(c?.reason).toBe('service 1810 + name ^(A&D_)?UA-651');
    expect(matchDefinition(BLE_DEFINITIONS, ble('meter+06123456', ['1808']))?.definition.id).toBe('roche-accu-chek-guide');
    expect(matchDefinition(BLE_DEFINITIONS, ble('Polar H10 8A3B', ['180D']))?.definition.id).toBe('polar-h10');
    expect(matchDefinition(BLE_DEFINITIONS, ble('Nonin3230_501', ['1822']))?.definition.id).toBe('nonin-3230');
  });

  it('serves an unknown device speaking a SIG profile with the generic definition', () => {
    const c = matchDefinition(BLE_DEFINITIONS, ble('NoName HR', ['180D']));
    expect(c?.definition).toBe(genericSigBle);
    expect(c?.reason).toBe('generic: service 180D');
    // A known name with a service the model does not have is not that model.
    expect(matchDefinition(BLE_DEFINITIONS, ble('UA-651BLE', ['1809']))?.definition.id).toBe('generic-sig-ble');
    expect(matchDefinition(BLE_DEFINITIONS, ble('Headphones', ['110b']))).toBeUndefined();
  });

  it('recognises a model advertising no service by its name alone', () => {
    expect(matchDefinition(BLE_DEFINITIONS, ble('UC-352BLE', []))?.definition.id).toBe('and-uc-352ble');
    expect(matchDefinition(BLE_DEFINITIONS, ble(undefined, []))).toBeUndefined();
  });

  it('matches manufacturer data and USB identities, most specific first', () => {
    const acme = defineDevice({
      id: 'acme-hr',
      vendor: 'Acme',
      model: 'HR-1',
      description: 'test',
      transport: 'ble',
      match: { ble: { services: ['180D'], manufacturer: { companyId: 0x0fff, dataPrefix: Uint8Array.of(1, 2) } } },
      capabilities: [deviceInformation()],
    });
    const defs = [...BLE_DEFINITIONS, acme];
    expect(matchDefinition(defs, ble('x', ['180D'], { 4095: Uint8Array.of(1, 2, 3) }))?.definition.id).toBe('acme-hr');
    expect(matchDefinition(defs, ble('x', ['180D'], { 4095: Uint8Array.of(9) }))?.definition.id).toBe('generic-sig-ble');
    const serial = defineDevice({
      id: 'acme-serial-oximeter',
      vendor: 'Acme',
      model: 'SO-1',
      description: 'test',
      transport: 'serial',
      match: { usb: [{ vid: 0x0403, pid: 0x6001, productPattern: /Acme/ }] },
      capabilities: [
        streamDecoder({
          id: 'acme-so1',
          create: () => ({ push: (b: Uint8Array) => [b.length] }),
          serial: { baudRate: 9600 },
          lane: 'spot',
        }),
      ],
    });
    expect(matchDefinition([serial], { transport: 'serial', usb: { vid: 0x0403, pid: 0x6001, product: 'Acme SO-1' } })?.reason).toBe(
      'usb 0403:6001',
    );
    expect(matchDefinition([serial], { transport: 'serial', usb: { vid: 0x0403, pid: 0x6001, product: 'FT232R' } })).toBeUndefined();
    expect(matchDefinition([serial], ble('Acme', ['1822']))).toBeUndefined();
  });

  it('derives subscriptions, roles and procedures from capabilities', () => {
    const guide = matchDefinition(BLE_DEFINITIONS, ble('meter+1', ['1808']))?.definition;
    if (!guide) throw new Error('no definition');
    expect(bleSubscriptions(guide).map((s) => [s.uuid.slice(4, 8), s.role])).toEqual([
      ['2a18', 'reading'],
      ['2a34', 'context'],
      ['2a52', 'control'],
    ]);
    expect(roleOf(guide, '2A34')).toBe('context');
    expect(roleOf(guide, fullUuid('2a52'))).toBe('control');
    expect(roleOf(guide, '2A51')).toBe('feature');
    expect(capabilityOf(guide, 'record-access')?.filter).toBe('sequence');
    expect(capabilityOf(guide, 'bonding')?.mode).toBe('required');
    const nonin = BLE_DEFINITIONS.find((d) => d.id === 'nonin-3230');
    expect(nonin && currentTimeOf(nonin)).toMatchObject({ writable: false, driftPolicy: { action: 'correct-only' } });
    expect(nonin && quirkOf(nonin, 'refuses-time-write')).toBeDefined();
    expect(isMultiUser(genericSigBle)).toBe(true);
    expect(roleOf(genericSigBle, '2A36')).toBe('live');
  });

  it('adding a model takes a few lines, and rejects definitions that could never match', () => {
    const cuff = defineDevice({
      id: 'acme-bp-100',
      vendor: 'Acme',
      model: 'BP-100',
      description: 'cuff',
      transport: 'ble',
      match: { ble: { services: ['1810'], namePattern: /^BP-100/ } },
      capabilities: [bloodPressure(), recordAccess({ filter: 'all' }), currentTime({ writable: true }), deviceInformation()],
      quirks: [{ kind: 'clock-resets', year: 2021 }],
    });
    expect(Object.isFrozen(cuff)).toBe(true);
    expect(matchDefinition([cuff, genericSigBle], ble('BP-100 #2', ['1810']))?.definition).toBe(cuff);
    expect(() => defineDevice({ ...cuff, id: 'Bad Id' })).toThrow(/kebab-case/);
    expect(() => defineDevice({ ...cuff, match: {} })).toThrow(/no match/);
    expect(() => defineDevice({ ...cuff, capabilities: [] })).toThrow(/no capability/);
  });
});
