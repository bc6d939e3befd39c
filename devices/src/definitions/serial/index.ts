/**
 * Serial device definitions: recognised by the USB identity of their adapter, decoded by the
 * stream parsers of devices/src/serial. USB ids: FTDI FT232R 0403:6001 (Nonin USB cables and OEM
 * boards, Olimexino-328), Arduino Uno 2341:0043 (a common base board for the Olimex shield). The
 * FTDI id is shared by many adapters, so those entries also want the product string; a port
 * configured by path needs no match at all.
 */
import { SERIAL_FORMATS, type SerialFormatName, type SerialPacket } from '../../serial/formats.js';
import { SERIAL_READINGS } from '../../serial/readings.js';
import { streamDecoder } from '../capabilities.js';
import { defineDevice } from '../define.js';
import type { DeviceDefinition, StreamDecoderCapability } from '../types.js';

/**
 * A serial format as a capability: its link settings, its stream parser, and what its packets become
 * (SERIAL_READINGS). `id` is the format name the serial reader opens the port with.
 */
export function serialDecoder(format: SerialFormatName, lane: 'spot' | 'waveform'): StreamDecoderCapability<SerialPacket> {
  const f = SERIAL_FORMATS[format];
  return streamDecoder<SerialPacket>({
    id: format,
    lane,
    readings: SERIAL_READINGS[format],
    ...(format === 'openeeg-p2' ? { leads: true } : {}),
    serial: { baudRate: f.baudRate, dataBits: f.dataBits, parity: f.parity, stopBits: f.stopBits },
    create() {
      let parser = f.createParser();
      return {
        push: (chunk) => parser.push(chunk).packets,
        reset: () => {
          parser = f.createParser();
        },
      };
    },
  });
}

const FTDI_FT232R = { vid: 0x0403, pid: 0x6001 };

export const noninSpotCheckSerial = defineDevice({
  id: 'nonin-df13-serial',
  vendor: 'Nonin Medical',
  model: 'Onyx II 9560 / serial OEM (data format 13)',
  description: 'finger pulse oximeter, spot-check records over serial (SPP or USB cable)',
  transport: 'serial',
  match: { usb: [{ ...FTDI_FT232R, productPattern: /nonin/i }] },
  capabilities: [serialDecoder('nonin-df13', 'spot')],
});

export const noninContinuousSerial = defineDevice({
  id: 'nonin-df7-serial',
  vendor: 'Nonin Medical',
  model: 'Xpod / OEM III (data format 7)',
  description: 'pulse oximeter streaming SpO2, pulse and a 16-bit pleth at 75 Hz',
  transport: 'serial',
  match: { usb: [{ ...FTDI_FT232R, productPattern: /nonin|xpod/i }] },
  capabilities: [serialDecoder('nonin-df7', 'waveform')],
});

export const noninRealtimeSerial = defineDevice({
  id: 'nonin-df2-serial',
  vendor: 'Nonin Medical',
  model: 'serial OEM (data format 2)',
  description: 'pulse oximeter streaming SpO2, pulse and an 8-bit pleth at 75 Hz',
  transport: 'serial',
  match: { usb: [{ ...FTDI_FT232R, productPattern: /nonin/i }] },
  capabilities: [serialDecoder('nonin-df2', 'waveform')],
});

export const noninOnceASecondSerial = defineDevice({
  id: 'nonin-df8-serial',
  vendor: 'Nonin Medical',
  model: 'serial OEM (data format 8)',
  description: 'pulse oximeter sending SpO2, pulse and status once a second (no waveform)',
  transport: 'serial',
  match: { usb: [{ ...FTDI_FT232R, productPattern: /nonin/i }] },
  capabilities: [serialDecoder('nonin-df8', 'spot')],
});

export const olimexEkgEmg = defineDevice({
  id: 'olimex-ekg-emg-p2',
  vendor: 'Olimex',
  model: 'SHIELD-EKG-EMG (OpenEEG P2 firmware)',
  description: 'single-lead ECG board streaming 6 × 10-bit channels at 256 Hz',
  transport: 'serial',
  match: {
    usb: [
      { ...FTDI_FT232R, productPattern: /olimex/i },
      { vid: 0x2341, pid: 0x0043 },
    ],
  },
  capabilities: [serialDecoder('openeeg-p2', 'waveform')],
});

/**
 * A gateway config entry naming only a format gets the first definition here reading that format,
 * so each format has one (the generic entries for DF2 and DF8 come after the model ones).
 */
export const SERIAL_DEFINITIONS: readonly DeviceDefinition[] = [
  noninSpotCheckSerial,
  noninContinuousSerial,
  olimexEkgEmg,
  noninRealtimeSerial,
  noninOnceASecondSerial,
];
