/**
 * The seam between the client and the network. The client speaks to a
 * {@link Transport}; {@link WsTransport} is the real one, and the tests drive
 * the client through a fake one with fake timers.
 *
 * @module
 */

/** How a connection ended. */
export interface TransportClose {
  /**
   * The close code: the one this side sent if it closed first (including codes
   * the WebSocket layer chose, like 1007 for bad UTF-8), else the peer's;
   * `1006` when no Close frame was exchanged (the connect failed or TCP broke).
   */
  code: number;
  /** The close reason, or for `1006` the error that ended the connection (may be empty). */
  reason: string;
  /** The error behind the end, if any (a refused connect, a TLS failure, a WebSocket protocol fault). */
  error?: Error | undefined;
}

/**
 * What a connection reports. A transport calls these from its own event loop
 * turns, never from inside {@link Transport.connect}, and after `close` never
 * again.
 */
export interface ConnectionHandlers {
  /** The WebSocket is open; {@link Connection.send} works from now on. */
  open(): void;
  /** A whole message (fragments already joined), as received: bytes and whether it was a binary frame. */
  message(data: Uint8Array, isBinary: boolean): void;
  /** The connection is gone, whether it ever opened or not. Called exactly once. */
  close(info: TransportClose): void;
}

/** One WebSocket connection, as the client uses it. */
export interface Connection {
  /**
   * The local (source) IP address of the connection once it is open, when the transport knows it: the address
   * this host reaches the MS from (an IPv4-mapped IPv6 address as plain IPv4). Default: unknown.
   */
  readonly localAddress?: string | undefined;
  /** Sends one text message; only between `open` and `close`. */
  send(text: string): void;
  /**
   * Starts the closing handshake with `code` and `reason` (cut to fit a Close
   * frame), or aborts a connect still in progress. `close` follows.
   */
  close(code: number, reason: string): void;
}

/** Opens connections. */
export interface Transport {
  /** Starts connecting to `url`; every outcome, failures included, arrives through `handlers`. */
  connect(url: string, handlers: ConnectionHandlers): Connection;
}
