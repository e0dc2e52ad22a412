/**
 * The idle timeout of HTTP connections, without a timer per connection. With
 * Node.js's own (`server.setTimeout`), every request of a keep-alive
 * connection makes a new `Timeout` (and a bound callback) and every read and
 * write moves it in the timer list: a measurable share of what a small cached
 * answer costs. Here one sweep, every quarter of the timeout, looks at how
 * many bytes each connection has read and written: one that made no progress
 * for the whole timeout (e.g. a client that stopped reading its answers, so
 * that the server stopped reading its requests) is destroyed, between one and
 * one and a quarter timeouts after its last progress.
 *
 * @module
 */

import type { Socket } from 'node:net';

/** What a connection had read and written at the sweep that last saw it move, and when. */
interface Progress {
  bytes: number;
  since: number;
}

/** The connections of one server under one idle timeout. */
export class IdleSweep {
  readonly #timeoutMs: number;
  readonly #connections = new Map<Socket, Progress>();
  readonly #timer: NodeJS.Timeout;
  /** The `close` listener of every watched socket (one function, the socket as `this`). */
  readonly #closed: (this: Socket) => void;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(timeoutMs / 4))).unref();
    const connections = this.#connections;
    this.#closed = function (this: Socket) {
      connections.delete(this);
    };
  }

  /** Connections watched. */
  get size(): number {
    return this.#connections.size;
  }

  /** Watches `socket` until it closes or is {@link forget}-ten (e.g. it became a WebSocket, with its own liveness). */
  watch(socket: Socket): void {
    this.#connections.set(socket, { bytes: progressOf(socket), since: performance.now() });
    socket.on('close', this.#closed);
  }

  /** The connections watched now. */
  sockets(): IterableIterator<Socket> {
    return this.#connections.keys();
  }

  forget(socket: Socket): void {
    if (this.#connections.delete(socket)) socket.off('close', this.#closed);
  }

  /** Destroys the connections that made no progress for the timeout (what the timer runs). */
  sweep(now = performance.now()): void {
    for (const [socket, progress] of this.#connections) {
      const bytes = progressOf(socket);
      if (bytes !== progress.bytes) {
        progress.bytes = bytes;
        progress.since = now;
      } else if (now - progress.since >= this.#timeoutMs) {
        this.forget(socket);
        socket.destroy();
      }
    }
  }

  /** Stops the sweep (the connections are left as they are). */
  stop(): void {
    clearInterval(this.#timer);
    this.#connections.clear();
  }
}

function progressOf(socket: Socket): number {
  return socket.bytesRead + socket.bytesWritten;
}
