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
 * An empty table of event listeners that V8 keeps as a fast object: the
 * `{ __proto__: null }` an EventEmitter starts with is a dictionary, about
 * 160 bytes on every game server's socket, which has no listener. Its
 * prototype has no property at all, so no event name finds anything there.
 */
const EventTable = function EventTable() {} as unknown as new () => object;
EventTable.prototype = Object.create(null);

/**
 * What a {@link GsSocket} tells the connection it serves, in place of event
 * listeners: an idle connection keeps no closure for them.
 */
export interface GsSocketHandler {
  /** A message (`'message'`). */
  socketMessage(data: Buffer, isBinary: boolean): void;
  /** A Pong (`'pong'`). */
  socketPong(): void;
  /** An error (`'error'`): told here, never thrown for want of a listener. */
  socketError(error: Error): void;
  /** The closing handshake started, or TCP ended (told at each; the first is the moment). */
  socketClosing(): void;
  /** A send left more than `maxBufferedAmount` bytes unsent (the peer is not reading): the connection is ended next. */
  socketOverflow(buffered: number): void;
  /** The connection is gone (`'close'`). */
  socketClosed(code: number, reason: Buffer): void;
}

/**
 * A `ws` WebSocket that reports the moment a closing handshake starts. `ws`
 * itself calls `close()` when a Close frame arrives or the peer breaks the
 * protocol, but emits `'close'` only when the TCP connection is gone;
 * docs/protocol.md#liveness delists a server at the first of these moments. It also
 * gives the closes that `ws` starts (1002, 1007, 1008, 1009) a reason, as §3
 * asks, and ends a peer that does not read what is sent to it.
 */
export class GsSocket extends WebSocket {
  /** Told of the socket's events before any listener. */
  handler: GsSocketHandler | undefined;
  constructor(...args: unknown[]) {
    super(...(args as ConstructorParameters<typeof WebSocket>));
    (this as unknown as { _events: object })._events = new EventTable();
  }

  /**
   * Unsent bytes beyond which a send terminates the connection (the peer is not reading); negative (the default):
   * no limit. (A small integer, kept in the socket itself: a default of `Infinity` made the field a double, which
   * V8 keeps in an object of its own on every socket.)
   */
  maxBufferedAmount = -1;

  override send(data: Data, cb?: Callback): void;
  override send(data: Data, options: SendOptions, cb?: Callback): void;
  override send(data: Data, options?: SendOptions | Callback, cb?: Callback): void {
    // ws takes a callback in place of the options, as the first overload does.
    super.send(data, options as SendOptions, cb);
    const limit = this.maxBufferedAmount;
    if (limit < 0) return;
    const buffered = this.bufferedAmount;
    if (buffered <= limit || this.readyState !== WebSocket.OPEN) return;
    this.handler?.socketOverflow(buffered);
    this.terminate();
  }

  /**
   * The array `ws`'s receiver gathers a message's fragments in, kept from one message to the next: see
   * `#keepFragments`.
   */
  #fragments: unknown[] | undefined = undefined;

  /**
   * Gives `ws`'s receiver back the array it gathered the last message in, emptied, in place of the new one it
   * made for the next message. `ws` makes one at every message and keeps it until the next, seconds later on a
   * game server's connection, so that each survived the young generation: about 0.6 MB a second at 2,000 messages
   * a second (of 0.78 promoted in all), and a mark-compact of the whole heap every 8 s for them. Kept, the new array
   * dies young.
   */
  #keepFragments(): void {
    const receiver = (this as unknown as { _receiver?: { _fragments?: unknown } | null })._receiver;
    const made = receiver?._fragments;
    if (!Array.isArray(made)) return;
    const kept = this.#fragments;
    if (kept === undefined || kept === made) {
      this.#fragments = made;
      return;
    }
    // What it holds (the message's buffers, views into the socket's reads) goes with it.
    kept.length = 0;
    (receiver as { _fragments: unknown[] })._fragments = kept;
  }

  /** Tells the handler, then any listeners. (Fixed arguments: `ws` emits at most two, and a message costs no array.) */
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    if (event === 'message') this.#keepFragments();
    const handler = this.handler;
    if (handler !== undefined) {
      if (event === 'message') handler.socketMessage(a as Buffer, b as boolean);
      else if (event === 'pong') handler.socketPong();
      else if (event === 'close') handler.socketClosed(a as number, b as Buffer);
      else if (event === 'error') {
        handler.socketError(a as Error);
        if (this.listenerCount('error') === 0) return true;
      }
    }
    // biome-ignore lint/complexity/noArguments: forwards whatever else an emitter is called with.
    return arguments.length <= 3 ? super.emit(event, a, b) : super.emit(event, ...[...arguments].slice(1));
  }

  override close(code?: number, data?: string | Buffer): void {
    this.handler?.socketClosing();
    super.close(code, data ?? (code === undefined ? undefined : WS_CLOSE_REASONS[code]));
  }
}
