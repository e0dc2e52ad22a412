/**
 * The errors the SDK throws or rejects with. Each carries a stable `code`.
 *
 * @module
 */

import { INT32_MAX, OptionError } from '@masterserver/protocol';

export { OptionError };

/** The client was closed (by `close()`) before what was awaited happened. */
export class ClientClosedError extends Error {
  /** Stable code. */
  readonly code = 'CLIENT_CLOSED';
  constructor(message = 'the game server client was closed') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/**
 * The masterserver closed the connection with a code after which the client stops for good (`4005` superseded,
 * `4011` banned; docs/protocol.md#close-codes), before what was awaited happened.
 */
export class ClientStoppedError extends Error {
  /** Stable code. */
  readonly code = 'CLIENT_STOPPED';
  /** The close code that stopped the client. */
  readonly closeCode: number;
  /** The close reason. */
  readonly reason: string;
  constructor(closeCode: number, reason: string, message: string) {
    super(message);
    this.name = 'ClientStoppedError';
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

/** Checks that `value` is a whole number of milliseconds a timer can wait, in `[min, 2^31-1]` (a timer's delay is an INT32). */
export function checkMs(option: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > INT32_MAX) {
    throw new OptionError(
      option,
      `must be a whole number of milliseconds from ${min} to ${INT32_MAX}, got ${String(value)}`,
    );
  }
  return value;
}
