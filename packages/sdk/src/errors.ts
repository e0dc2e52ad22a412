/**
 * The errors the SDK throws or rejects with. Each carries a stable `code`.
 *
 * @module
 */

/** An option or a server info field has a value it cannot take. Thrown at once, never later. */
export class OptionError extends Error {
  /** Stable code. */
  readonly code = 'INVALID_OPTION';
  /** The option, as in the options interface, e.g. `backoff.initial` or `info.port`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'OptionError';
    this.option = option;
  }
}

/** The client was closed (by `close()`) before what was awaited happened. */
export class ClientClosedError extends Error {
  /** Stable code. */
  readonly code = 'CLIENT_CLOSED';
  constructor(message = 'the game server client was closed') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** Checks that `value` is a whole number of milliseconds a timer can wait, in `[min, 2^31-1]`. */
export function checkMs(option: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 2_147_483_647) {
    throw new OptionError(
      option,
      `must be a whole number of milliseconds from ${min} to 2147483647, got ${String(value)}`,
    );
  }
  return value;
}
