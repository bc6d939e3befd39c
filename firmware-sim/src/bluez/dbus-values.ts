/** Runtime checks for values arriving from D-Bus clients (a trust boundary, even in a simulator). */
import { Variant } from 'dbus-next';
import { bluezErrors } from './bluez-errors.js';

export function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(v as number[]);
  throw bluezErrors.invalidArguments(`${what}: byte array expected`);
}

export function asOptions(v: unknown, what: string): Record<string, Variant> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bluezErrors.invalidArguments(`${what}: dict expected`);
  const out: Record<string, Variant> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!(val instanceof Variant)) throw bluezErrors.invalidArguments(`${what}.${k}: variant expected`);
    out[k] = val;
  }
  return out;
}

export function optionOf<T>(opts: Record<string, Variant>, key: string, signature: string, check: (v: unknown) => v is T): T | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (v.signature !== signature || !check(v.value)) {
    throw bluezErrors.invalidArguments(`option '${key}' must have type '${signature}'`);
  }
  return v.value;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isUint16 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
export const isObjectPath = (v: unknown): v is string => typeof v === 'string' && /^\/([A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*)?$/.test(v);
