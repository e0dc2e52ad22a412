/**
 * The protocol's error class, and the one option error that the SDK and the
 * masterserver both throw.
 *
 * @module
 */

import { CloseCode } from './codes.js';

/** Stable codes of {@link ProtocolError}, each mapped to the close code it ends a connection with. */
export const ProtocolErrorCode = {
  MALFORMED_JSON: CloseCode.MALFORMED_JSON,
  INVALID_METADATA: CloseCode.INVALID_METADATA,
  WRONG_SCHEMA: CloseCode.WRONG_SCHEMA,
} as const;

/** One of the keys of {@link ProtocolErrorCode}. */
export type ProtocolErrorCode = keyof typeof ProtocolErrorCode;

/**
 * A received message broke one of the rules of docs/protocol.md#checks. The receiver
 * closes the connection with {@link ProtocolError.closeCode} and
 * {@link ProtocolError.reason}.
 */
export class ProtocolError extends Error {
  /** Stable code, e.g. `WRONG_SCHEMA`. */
  readonly code: ProtocolErrorCode;
  /** The WebSocket close code this error ends the connection with. */
  readonly closeCode: CloseCode;
  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = ProtocolErrorCode[code];
  }
  /** The close frame's reason: the message, cut to fit the 123 bytes a close frame allows. */
  get reason(): string {
    return truncateUtf8(this.message, 123);
  }
}

/**
 * An option, or a server info field, has a value it cannot take. Thrown when the value is given (by a
 * constructor, or by the SDK's `update()`), never later. The SDK and the masterserver share this class.
 */
export class OptionError extends Error {
  /** Stable code. */
  readonly code = 'INVALID_OPTION';
  /** The option, as in its options interface, e.g. `backoff.initial`, `info.port` or `pingInterval`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'OptionError';
    this.option = option;
  }
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out;
}
