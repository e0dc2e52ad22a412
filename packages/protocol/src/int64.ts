/**
 * Signed 64-bit integers as the codec hands them out: a `number` when the value
 * is a safe integer (the fast, common case), a `bigint` otherwise. Either way
 * the value is exact, and {@link int64ToString} gives back the JSON text that
 * was received, byte for byte.
 *
 * @module
 */

/** A signed 64-bit integer: a safe-integer `number`, or a `bigint` beyond ±2^53-1. */
export type Int64 = number | bigint;

/** -2^63 */
export const INT64_MIN = -(2n ** 63n);
/** 2^63-1 */
export const INT64_MAX = 2n ** 63n - 1n;

/** True when `value` is an exact integer in the int64 range. */
export function isInt64(value: unknown): value is Int64 {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * The JSON text of an int64. `-0` (a legal JSON integer) stays `-0`, so a
 * reply echoes every id exactly as it was written.
 */
export function int64ToString(value: Int64): string {
  if (typeof value === 'bigint') return value.toString();
  return value === 0 && Object.is(value, -0) ? '-0' : String(value);
}

/** Normalizes an int64 to the codec's representation: `number` when safe, else `bigint`. */
export function toInt64(value: bigint | number): Int64 {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    return value;
  }
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`out of int64 range: ${value}`);
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}
