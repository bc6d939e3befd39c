/** Byte helpers for codec tests and vectors: '1E 8A 00' ↔ bytes, and a plain number as a Medfloat. */
import type { Medfloat } from './ieee11073.js';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

export const toHex = (b: Uint8Array): string =>
  Buffer.from(b)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1 ');

export const num = (value: number): Medfloat => ({ kind: 'number', value });
