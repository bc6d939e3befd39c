/**
 * Which definition reads a configured serial device: the one it names (`definition`), or the first
 * serial definition whose stream decoder speaks its `format` (configs written before definitions
 * existed name only the format). Its stream-decoder capability says how the port is read and what
 * the packets become; the serial service holds no per-format code.
 */
import {
  capabilityOf,
  type DeviceDefinition,
  isSerialFormatName,
  type SerialFormatName,
  type StreamDecoderCapability,
} from '@telecart/devices';

export interface SerialDefinitionChoice {
  definition: DeviceDefinition;
  stream: StreamDecoderCapability;
  /** The stream parser the reader opens the port with (the capability's id). */
  format: SerialFormatName;
  /** What its packets become, for a device with the given options. */
  readings: NonNullable<StreamDecoderCapability['readings']>;
}

/** The definition of one `serial.devices[]` entry, or why there is none (one line, for the config check). */
export function resolveSerialDefinition(
  device: { definition?: string | undefined; format?: string | undefined },
  definitions: readonly DeviceDefinition[],
): { ok: true; choice: SerialDefinitionChoice } | { ok: false; field: 'definition' | 'format'; message: string } {
  const serial = definitions.filter((d) => d.transport === 'serial');
  const streamOf = (d: DeviceDefinition) => capabilityOf(d, 'stream-decoder');
  let definition: DeviceDefinition | undefined;
  if (device.definition !== undefined) {
    definition = serial.find((d) => d.id === device.definition);
    if (!definition)
      return {
        ok: false,
        field: 'definition',
        message: `no serial device definition "${device.definition}" (known: ${serial.map((d) => d.id).join(', ')})`,
      };
  } else if (device.format !== undefined) {
    definition = serial.find((d) => streamOf(d)?.id === device.format);
    if (!definition) return { ok: false, field: 'format', message: `no serial device definition reads format "${device.format}"` };
  } else return { ok: false, field: 'definition', message: 'give a definition (or a format)' };
  const stream = streamOf(definition);
  if (!stream || !isSerialFormatName(stream.id))
    return { ok: false, field: 'definition', message: `definition "${definition.id}" has no serial stream decoder` };
  if (device.format !== undefined && device.format !== stream.id)
    return { ok: false, field: 'format', message: `definition "${definition.id}" reads ${stream.id}, not ${device.format}` };
  const readings = stream.readings;
  if (!readings) return { ok: false, field: 'definition', message: `definition "${definition.id}" does not say what its packets become` };
  return { ok: true, choice: { definition, stream, format: stream.id, readings } };
}
