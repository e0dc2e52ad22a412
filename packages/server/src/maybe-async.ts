/**
 * Values that may or may not be promises. The registry's in-memory driver
 * answers synchronously, so a registration on one instance completes within
 * the event that delivered it; a networked driver answers with promises, and
 * the same code waits for them.
 *
 * @module
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** True when `value` is a promise (a thenable). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Runs `next` on `value`: at once when it is a plain value, after it settles when it is a promise. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}
