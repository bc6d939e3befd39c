/**
 * Workaround for dbus-next 0.10: it marshals dicts from plain JS objects, whose keys are always
 * strings, and its integer marshallers reject strings, so BlueZ's ManufacturerData (a{qv}) and
 * AdvertisingData (a{yv}) cannot be sent. We wrap dbus-next's simple-marshaller factory so that
 * 'y' and 'q' accept a canonical decimal string ("76" → 76). It only turns a marshalling error
 * into the intended value; every other type and every valid call is unchanged.
 * The patch is process-wide (one dbus-next module instance) and applied once.
 */
import { createRequire } from 'node:module';

interface SimpleMarshaller {
  marshall(ps: unknown, data: unknown): unknown;
}

interface MarshallersModule {
  MakeSimpleMarshaller: ((signature: string) => SimpleMarshaller) & { telecartIntegerKeys?: true };
}

const INTEGER_KEY_TYPES = new Set(['y', 'q']);
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,4})$/;

function isMarshallersModule(m: unknown): m is MarshallersModule {
  return typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>).MakeSimpleMarshaller === 'function';
}

let applied = false;

/** Returns true when integer-keyed dicts can be marshalled (patch applied now or before). */
export function enableIntegerDictKeys(): boolean {
  if (applied) return true;
  const require = createRequire(import.meta.url);
  // Resolve the same dbus-next instance our code (and node-ble) uses.
  const dbusNextMain = require.resolve('dbus-next');
  const marshallers: unknown = require(dbusNextMain.replace(/index\.js$/, 'lib/marshallers.js'));
  if (!isMarshallersModule(marshallers)) return false;
  const original = marshallers.MakeSimpleMarshaller;
  if (original.telecartIntegerKeys) {
    applied = true;
    return true;
  }
  const patched = Object.assign(
    (signature: string): SimpleMarshaller => {
      const m = original(signature);
      if (!INTEGER_KEY_TYPES.has(signature)) return m;
      const marshall = m.marshall;
      m.marshall = function (this: SimpleMarshaller, ps: unknown, data: unknown) {
        const value = typeof data === 'string' && CANONICAL_DECIMAL.test(data) ? Number(data) : data;
        return marshall.call(this, ps, value);
      };
      return m;
    },
    { telecartIntegerKeys: true as const },
  );
  marshallers.MakeSimpleMarshaller = patched;
  applied = true;
  return true;
}
