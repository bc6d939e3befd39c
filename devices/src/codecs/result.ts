/**
 * Outcome of a pure decoder. Decoders never throw on input bytes: a malformed PDU becomes a
 * typed error naming the field that failed, so the caller can count, log once and move on.
 */
export interface CodecError {
  /** The field that could not be read, e.g. 'diastolic', 'timestamp.month', 'characteristic'. */
  field: string;
  /** Why, e.g. 'truncated: need 2 bytes at offset 3, have 1'. */
  reason: string;
}

export type CodecResult<T> = { ok: true; value: T } | { ok: false; error: CodecError };

export function ok<T>(value: T): CodecResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(field: string, reason: string): CodecResult<T> {
  return { ok: false, error: { field, reason } };
}

/**
 * Thrown only inside this package's readers and caught by `decodeWith`, which turns it into a
 * CodecResult. Any other exception is a bug and is left to surface (the property tests look for it).
 */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'FieldError';
  }
}

/** Runs a reader-style decoder and converts a FieldError into a typed error result. */
export function decodeWith<T>(run: () => T): CodecResult<T> {
  try {
    return ok(run());
  } catch (e) {
    if (e instanceof FieldError) return fail(e.field, e.reason);
    throw e;
  }
}
