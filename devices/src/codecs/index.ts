export * from './blood-pressure.js';
export { ByteReader, ByteWriter } from './bytes.js';
export * from './date-time.js';
export * from './ieee11073.js';
export * from './plx.js';
export * from './registry.js';
export { type CodecError, type CodecResult, decodeWith, FieldError, fail as codecFail, ok as codecOk } from './result.js';
export * from './temperature.js';
export * from './weight.js';
