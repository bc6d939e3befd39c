/** The `serial:` section of the gateway config: which serial devices to read and how to record them. */
import { type Static, Type } from '@sinclair/typebox';
import { DEVICE_DEFINITIONS, type DeviceDefinition, SERIAL_DEFINITIONS, SERIAL_FORMAT_NAMES } from '@telecart/devices';
import type { ConfigIssue } from '@telecart/protocol';
import { resolveSerialDefinition } from './serial-definitions.js';

export const SerialDeviceConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: "device id suffix: readings carry 'serial:<id>'" }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'shown to the nurse (default: the id) and recorded as the device model' }),
    ),
    definition: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{1,63}$',
        description: `serial device definition that reads it (its format, readings, waveform), one of ${SERIAL_DEFINITIONS.map((d) => d.id).join(', ')}; default: the first one reading \`format\``,
      }),
    ),
    format: Type.Optional(
      Type.Union(
        SERIAL_FORMAT_NAMES.map((f) => Type.Literal(f)),
        { description: 'data format spoken on the port; with `definition`, must be its format' },
      ),
    ),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'stable path, e.g. /dev/telecart/nonin-501234567' })),
    usb: Type.Optional(
      Type.Object(
        {
          serialNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'USB serial number of the adapter' })),
          vendorId: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{4}$', description: "USB vendor id, hex, e.g. '0403'" })),
          productId: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{4}$', description: "USB product id, hex, e.g. '6001'" })),
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
          {
            channel: Type.Integer({ minimum: 1, maximum: 6, description: 'P2 channel number' }),
            lead: Type.String({ minLength: 1, maxLength: 8, description: "lead name, e.g. 'II'" }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 6, description: 'ECG boards: which P2 channels are which leads; default: channel 1 = lead II' },
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
    devices: Type.Array(SerialDeviceConfig, { default: [], maxItems: 16, description: 'serial devices to read (oximeters, ECG boards)' }),
    segmentSeconds: Type.Number({ minimum: 0.1, maximum: 60, default: 10, description: 'length of each waveform segment' }),
    stableSeconds: Type.Number({
      minimum: 1,
      maximum: 120,
      default: 10,
      description: 'a continuous SpO2/pulse held this long becomes a reading',
    }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 250, description: 'first reopen delay of a lost port, doubled per failure' }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 5000, description: 'ceiling of the reopen delay' }),
  },
  { default: {}, additionalProperties: false },
);
export type SerialConfig = Static<typeof SerialConfig>;

/** The serial section's cross-field problems (part of checkGatewayConfig); [] when fine. */
export function checkSerialConfig(c: SerialConfig, definitions: readonly DeviceDefinition[] = DEVICE_DEFINITIONS): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const ids = new Set<string>();
  c.devices.forEach((d, i) => {
    const at = ['serial', 'devices', i];
    if (ids.has(d.id)) problems.push({ path: [...at, 'id'], message: `duplicate "${d.id}"` });
    ids.add(d.id);
    if (!d.path && !d.usb?.serialNumber && !d.usb?.vendorId)
      problems.push({ path: at, message: 'give a path or usb.serialNumber / usb.vendorId' });
    const r = resolveSerialDefinition(d, definitions);
    if (!r.ok) problems.push({ path: [...at, r.field], message: r.message });
    else if (d.leads && !r.choice.stream.leads)
      problems.push({ path: [...at, 'leads'], message: `only for an ECG board (definition ${r.choice.definition.id} has no leads)` });
  });
  return problems;
}
