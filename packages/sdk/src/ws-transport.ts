/**
 * The {@link Transport} on the `ws` package: WebSocket over TCP or TLS, with
 * the protocol's limits (no compression, 64 KiB messages, UTF-8 checked by `ws`
 * and refused with 1007, oversized messages refused with 1009). `ws` answers
 * Pings by itself.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';
import { truncateUtf8 } from '@masterserver/protocol';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { checkMs, OptionError } from './errors.js';
import type { Connection, ConnectionHandlers, Transport } from './transport.js';

/** Options of {@link WsTransport}. */
export interface WsTransportOptions {
  /** Local (source) IP address to connect from. Default: chosen by the OS. */
  localAddress?: string | undefined;
  /** Milliseconds the TCP/TLS connect and the WebSocket handshake may take. Default `10000`. */
  handshakeTimeout?: number | undefined;
  /** Milliseconds to wait for the peer's Close frame before ending TCP. Default `1000` (docs/protocol.md#checks). */
  closeTimeout?: number | undefined;
  /** Largest message accepted, in bytes; a larger one closes with 1009. Default `65536`. */
  maxMessageSize?: number | undefined;
  /** Further options for `ws`'s `WebSocket`, e.g. `ca`, `rejectUnauthorized`, `headers`, `agent`. Default: none. */
  ws?: ClientOptions | undefined;
}

/** The defaults of {@link WsTransportOptions}. */
export const defaultWsTransport = { handshakeTimeout: 10_000, closeTimeout: 1_000, maxMessageSize: 65_536 } as const;

/** Close codes `ws` sends when it refuses what it received, by its error code. */
function closeCodeOf(error: Error): number | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH') return 1009;
  if (code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return 1008;
  return 1002;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** `ws`'s client options, with `closeTimeout`, which ws 8.23 takes but its type definitions do not list yet. */
type WsClientOptions = ClientOptions & { closeTimeout?: number };

/** Connects with `ws`. One instance may open any number of connections. */
export class WsTransport implements Transport {
  readonly #options: WsClientOptions;

  /** Throws {@link OptionError} for a value it cannot use. */
  constructor(options: WsTransportOptions = {}) {
    const maxMessageSize = options.maxMessageSize ?? defaultWsTransport.maxMessageSize;
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 1) {
      throw new OptionError('maxMessageSize', `must be a whole number of bytes ≥ 1, got ${maxMessageSize}`);
    }
    this.#options = {
      ...options.ws,
      perMessageDeflate: false,
      skipUTF8Validation: false,
      autoPong: true,
      maxPayload: maxMessageSize,
      handshakeTimeout: checkMs('handshakeTimeout', options.handshakeTimeout ?? defaultWsTransport.handshakeTimeout),
      closeTimeout: checkMs('closeTimeout', options.closeTimeout ?? defaultWsTransport.closeTimeout),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    };
  }

  /** Opens a WebSocket to `url`; see {@link Transport.connect}. */
  connect(url: string, handlers: ConnectionHandlers): Connection {
    const socket = new WebSocket(url, this.#options);
    let error: Error | undefined;
    let sent: { code: number; reason: string } | undefined;
    let localAddress: string | undefined;
    socket.on('upgrade', (response: IncomingMessage) => {
      const address = response.socket.localAddress;
      localAddress = address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    });
    socket.on('open', () => handlers.open());
    socket.on('message', (data: RawData, isBinary: boolean) => handlers.message(toBytes(data), isBinary));
    socket.on('error', (cause: Error) => {
      error ??= cause;
      const code = closeCodeOf(cause);
      // ws has already sent this code; report it rather than the peer's echo.
      if (code !== undefined) sent ??= { code, reason: cause.message };
    });
    socket.on('close', (code: number, reason: Buffer) => {
      const info = sent ?? { code, reason: reason.length > 0 ? reason.toString() : (error?.message ?? '') };
      handlers.close({ ...info, error });
    });
    return {
      get localAddress() {
        return localAddress;
      },
      send: (text) => socket.send(text),
      close: (code, reason) => {
        if (socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
        if (socket.readyState === WebSocket.OPEN) sent ??= { code, reason };
        socket.close(code, truncateUtf8(reason, 123));
      },
    };
  }
}
