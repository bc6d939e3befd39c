import { describe, expect, it } from 'vitest';
import { fullUuid } from '../model/frame.js';
import { decodeDisString, readDeviceInformation } from './device-information.js';

const enc = (s: string) => Buffer.from(s, 'utf8');

describe('Device Information', () => {
  it('decodes UTF-8 strings, dropping NUL padding and spaces', () => {
    expect(decodeDisString(enc('A&D Medical\0\0\0'))).toBe('A&D Medical');
    expect(decodeDisString(enc('  UA-651BLE '))).toBe('UA-651BLE');
    expect(decodeDisString(Uint8Array.of(0x41, 0xff, 0x42))).toBe('A\uFFFDB');
  });

  it('reads the fields present, reports a failing one and keeps the rest', async () => {
    const values: Record<string, Buffer | Error> = {
      [fullUuid('2A29')]: enc('Maker'),
      [fullUuid('2A25')]: new Error('org.bluez.Error.Failed'),
      [fullUuid('2A26')]: enc('2.1'),
    };
    const gatt = {
      services: async () => [fullUuid('1810'), fullUuid('180A')],
      getPrimaryService: async () => ({
        characteristics: async () => Object.keys(values),
        getCharacteristic: async (uuid: string) => ({
          readValue: async () => {
            const v = values[uuid];
            if (v instanceof Error) throw v;
            return v ?? Buffer.alloc(0);
          },
        }),
      }),
    };
    const errors: string[] = [];
    const info = await readDeviceInformation(
      gatt,
      (_w, fn) => fn(),
      (field) => errors.push(field),
    );
    expect(info).toEqual({ manufacturer: 'Maker', firmware: '2.1' });
    expect(errors).toEqual(['2A25']);
  });

  it('returns undefined without a DIS', async () => {
    const gatt = {
      services: async () => [fullUuid('1810')],
      getPrimaryService: async () => {
        throw new Error('not used');
      },
    };
    expect(
      await readDeviceInformation(
        gatt,
        (_w, fn) => fn(),
        () => undefined,
      ),
    ).toBeUndefined();
  });
});
