/** The `serial:` section of the gateway config: which serial devices to read and how to record them. */
import { type Static, Type } from '@sinclair/typebox';
import { SERIAL_FORMAT_NAMES } from '@telecart/devices';

export const SerialDeviceConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: "device id suffix: readings carry 'serial:<id>'" }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    format: Type.Union(
      SERIAL_FORMAT_NAMES.map((f) => Type.Literal(f)),
      { description: 'data format spoken on the port' },
    ),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'stable path, e.g. /dev/telecart/nonin-501234567' })),
    usb: Type.Optional(
      Type.Object(
        {
          serialNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          vendorId: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{4}$' })),
          productId: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{4}$' })),
        },
        { additionalProperties: false, description: 'found through the port list (udev) when no path is given' },
      ),
    ),
    baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 4_000_000, description: "default: the format's" })),
    waveform: Type.Boolean({ default: true, description: 'record the pleth / ECG waveform as segments' }),
    /** ECG boards: which P2 channels are which leads; default channel 1 = lead II. */
    leads: Type.Optional(
      Type.Array(
        Type.Object(
          { channel: Type.Integer({ minimum: 1, maximum: 6 }), lead: Type.String({ minLength: 1, maxLength: 8 }) },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 6 },
      ),
    ),
    microvoltsPerUnit: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'ECG calibration: µV at the electrodes per ADC step. Olimex SHIELD-EKG-EMG default: 5 V / 1024 / 2848 = 1.714',
      }),
    ),
    baseline: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023, description: 'ECG ADC value of 0 V, default 512' })),
  },
  { additionalProperties: false },
);
export type SerialDeviceConfig = Static<typeof SerialDeviceConfig>;

export const SerialConfig = Type.Object(
  {
    devices: Type.Array(SerialDeviceConfig, { default: [], maxItems: 16 }),
    segmentSeconds: Type.Number({ minimum: 0.1, maximum: 60, default: 10, description: 'length of each waveform segment' }),
    stableSeconds: Type.Number({
      minimum: 1,
      maximum: 120,
      default: 10,
      description: 'a continuous SpO2/pulse held this long becomes a reading',
    }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 250 }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 5000 }),
  },
  { default: {}, additionalProperties: false },
);
export type SerialConfig = Static<typeof SerialConfig>;

export function checkSerialConfig(c: SerialConfig): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  c.devices.forEach((d, i) => {
    if (ids.has(d.id)) problems.push(`serial.devices.${i}.id: duplicate "${d.id}"`);
    ids.add(d.id);
    if (!d.path && !d.usb?.serialNumber && !d.usb?.vendorId)
      problems.push(`serial.devices.${i}: give a path or usb.serialNumber / usb.vendorId`);
    if (d.leads && d.format !== 'openeeg-p2') problems.push(`serial.devices.${i}.leads: only for openeeg-p2`);
  });
  return problems;
}
