/**
 * The WebSocket class the gateway's server creates for each game server.
 *
 * @module
 */

import { WebSocket } from 'ws';

/** Reasons for the closes that `ws` starts on its own, which it sends without one. */
const WS_CLOSE_REASONS: Readonly<Record<number, string>> = {
  1002: 'WebSocket protocol error',
  1007: 'text frame is not valid UTF-8',
  1009: 'message too big',
};

/**
 * A `ws` WebSocket that reports the moment a closing handshake starts. `ws`
 * itself calls `close()` when a Close frame arrives or the peer breaks the
 * protocol, but emits `'close'` only when the TCP connection is gone;
 * PROTOCOL.md §6 delists a server at the first of these moments. It also
 * gives the closes that `ws` starts (1002, 1007, 1009) a reason, as §3 asks.
 */
export class GsSocket extends WebSocket {
  /** Called once, when the closing handshake starts for whatever reason. */
  onClosing: (() => void) | undefined;

  override close(code?: number, data?: string | Buffer): void {
    const onClosing = this.onClosing;
    this.onClosing = undefined;
    onClosing?.();
    super.close(code, data ?? (code === undefined ? undefined : WS_CLOSE_REASONS[code]));
  }
}
