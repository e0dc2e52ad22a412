/**
 * The WebSocket class the gateway's server creates for each game server.
 *
 * @module
 */

import { WebSocket } from 'ws';

type Data = Parameters<WebSocket['send']>[0];
type Callback = (err?: Error) => void;
type SendOptions = { mask?: boolean; binary?: boolean; compress?: boolean; fin?: boolean };

/** Reasons for the closes that `ws` starts on its own, which it sends without one. */
const WS_CLOSE_REASONS: Readonly<Record<number, string>> = {
  1002: 'WebSocket protocol error',
  1007: 'text frame is not valid UTF-8',
  1008: 'too many message fragments',
  1009: 'message too big',
};

/**
 * A `ws` WebSocket that reports the moment a closing handshake starts. `ws`
 * itself calls `close()` when a Close frame arrives or the peer breaks the
 * protocol, but emits `'close'` only when the TCP connection is gone;
 * docs/protocol.md#liveness delists a server at the first of these moments. It also
 * gives the closes that `ws` starts (1002, 1007, 1008, 1009) a reason, as §3
 * asks, and ends a peer that does not read what is sent to it.
 */
export class GsSocket extends WebSocket {
  /** Called once, when the closing handshake starts for whatever reason. */
  onClosing: (() => void) | undefined;
  /** Unsent bytes beyond which a send terminates the connection (the peer is not reading). Default: no limit. */
  maxBufferedAmount = Number.POSITIVE_INFINITY;
  /** Called with the unsent bytes when a send went over {@link maxBufferedAmount}, just before the connection is ended. */
  onOverflow: ((buffered: number) => void) | undefined;

  override send(data: Data, cb?: Callback): void;
  override send(data: Data, options: SendOptions, cb?: Callback): void;
  override send(data: Data, options?: SendOptions | Callback, cb?: Callback): void {
    // ws takes a callback in place of the options, as the first overload does.
    super.send(data, options as SendOptions, cb);
    const buffered = this.bufferedAmount;
    if (buffered <= this.maxBufferedAmount || this.readyState !== WebSocket.OPEN) return;
    this.onOverflow?.(buffered);
    this.terminate();
  }

  override close(code?: number, data?: string | Buffer): void {
    const onClosing = this.onClosing;
    this.onClosing = undefined;
    onClosing?.();
    super.close(code, data ?? (code === undefined ? undefined : WS_CLOSE_REASONS[code]));
  }
}
