/**
 * The logging interface the masterserver writes to: the subset of pino that it
 * uses, so that any pino logger (or a test double) can be passed in.
 *
 * @module
 */

/** One log method: structured fields first, then the message. */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** A structured logger (pino-compatible). */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}
