/**
 * The WebSocket class the gateway's server creates for each game server.
 *
 * @module
 */

import { WebSocket } from 'ws';

/**
 * A `ws` WebSocket that reports the moment a closing handshake starts. `ws`
 * itself calls `close()` when a Close frame arrives or the peer breaks the
 * protocol, but emits `'close'` only when the TCP connection is gone;
 * PROTOCOL.md §6 delists a server at the first of these moments.
 */
export class GsSocket extends WebSocket {
  /** Called once, when the closing handshake starts for whatever reason. */
  onClosing: (() => void) | undefined;

  override close(code?: number, data?: string | Buffer): void {
    const onClosing = this.onClosing;
    this.onClosing = undefined;
    onClosing?.();
    super.close(code, data);
  }
}
