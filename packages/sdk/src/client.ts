/**
 * The game server's side of the masterserver protocol: stay listed, answer
 * player joins, reconnect when the connection goes.
 *
 * @module
 */

import {
  CloseCode,
  int64ToString,
  type JoinRequest,
  type ResponseError,
  type ServerInfo,
} from '@masterserver/protocol';
import { TypedEmitter } from './emitter.js';
import { ClientClosedError, ClientStoppedError } from './errors.js';
import type { ClientStatus, DisconnectInfo, GameServerClientEvents, StopInfo } from './events.js';
import { applyUpdate, type ServerInfoUpdate } from './info.js';
import { type PlayerJoin, runJoinHandler } from './join.js';
import { Link, type LinkContext } from './link.js';
import { type GameServerClientOptions, type ResolvedClientOptions, resolveClientOptions } from './options.js';
import { type PlayerSession, SessionStore } from './sessions.js';
import type { TransportClose } from './transport.js';

/** Options of {@link GameServerClient.update}. */
export interface UpdateOptions {
  /**
   * Register at once with the new info instead of at the next interval (still
   * no sooner than `minRegisterGap` after the last registration, nor before the
   * interval after a refusal). Default `false`.
   */
  now?: boolean | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** `IP:PORT`, with an IPv6 address in brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** What the client says when the MS stops it (docs/protocol.md#close-codes). */
function stopInfo(code: number, reason: string, ip: string | undefined, port: number): StopInfo {
  if (code === CloseCode.BANNED) {
    return {
      code,
      reason,
      address: undefined,
      message: `banned by the masterserver (${code} ${reason}); not reconnecting`,
    };
  }
  const address = hostPort(ip ?? '*', port);
  return {
    code,
    reason,
    address,
    message:
      `another game server registered ${address} with the masterserver, which closed this connection ` +
      `(${code} ${reason}); not reconnecting`,
  };
}

/**
 * A game server's connection to a masterserver. It registers at once and then
 * every `registerInterval`, answers player joins through `onJoin`, keeps the
 * accepted players' sessions for {@link consumeSession}, and reconnects with
 * full-jitter backoff after any close until {@link close}, except after a close
 * with `4005` (another game server registered the same address) or `4011`
 * (banned): then it stops, emits `stopped`, and waits for {@link start}.
 *
 * @example
 * ```ts
 * const client = new GameServerClient({
 *   url: 'wss://ms.example.com/v2/server/ws',
 *   regToken: process.env.MS_REG_TOKEN ?? '',
 *   info: { name: 'My server', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 16 },
 *   onJoin: (join) => (players.size < 16 ? { accept: true } : rejectJoin(JoinErrorType.SERVER_FULL, 'full')),
 * });
 * client.on('registrationFailed', (error) => console.error('not listed:', error.msg));
 * client.start();
 * await client.whenRegistered();
 * ```
 */
export class GameServerClient extends TypedEmitter<GameServerClientEvents> {
  readonly #options: ResolvedClientOptions;
  readonly #sessions: SessionStore;
  readonly #ctx: LinkContext;
  #info: ServerInfo;
  #status: ClientStatus = { state: 'idle' };
  #link: Link | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;
  #notBefore = 0;
  #waiters = new Set<Waiter>();
  #closing: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  #stopped: StopInfo | undefined;

  /** Checks the options (throws {@link OptionError} naming a bad one); does not connect until {@link start}. */
  constructor(options: GameServerClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    this.#info = this.#options.info;
    this.#sessions = new SessionStore(this.#options.sessionTtl);
    this.#ctx = {
      options: this.#options,
      info: () => this.#info,
      nextId: () => this.#nextId++,
      notBefore: () => this.#notBefore,
      opened: (link) => this.#opened(link),
      registered: (link) => this.#registered(link),
      refused: (link, error, sentAt) => this.#refused(link, error, sentAt),
      join: (link, request) => this.#join(link, request),
      closed: (link, info) => this.#closed(link, info),
    };
  }

  /** Where the client is now. */
  get status(): ClientStatus {
    return this.#status;
  }

  /** The server info the next registration carries. */
  get info(): Readonly<ServerInfo> {
    return this.#info;
  }

  /** The MS URL. */
  get url(): string {
    return this.#options.url;
  }

  /**
   * Connects and registers; reconnects after every close until {@link close}, or until the MS stops it (`4005`,
   * `4011`). Calling it again while running does nothing; after a stop it starts over (the game's decision,
   * never the client's own).
   */
  start(): this {
    if (this.#closing !== undefined) throw new ClientClosedError('start() after close()');
    if (this.#status.state === 'stopped') {
      this.#stopped = undefined;
      this.#options.backoff.reset();
    } else if (this.#status.state !== 'idle') {
      return this;
    }
    this.#connect();
    return this;
  }

  /**
   * Changes the server info. It goes out with the next registration, or at once
   * with `{ now: true }`. Throws {@link OptionError} for a field of the wrong
   * type or an unknown field; nothing changes then.
   */
  update(update: ServerInfoUpdate, options: UpdateOptions = {}): void {
    this.#info = applyUpdate(this.#info, update);
    if (options.now === true) this.#link?.registerSoon();
  }

  /**
   * The accepted join with this session token, once: it is forgotten as it is
   * returned. `undefined` for an unknown token, one already consumed, or one
   * older than `sessionTtl`.
   */
  consumeSession(sessionToken: string): PlayerSession | undefined {
    return this.#sessions.consume(sessionToken);
  }

  /**
   * Resolves when the server is listed (at once if it is). Rejects with
   * {@link ClientClosedError} on {@link close}, with {@link ClientStoppedError}
   * when the MS stops the client (`4005`, `4011`; at once while it is stopped),
   * or with `signal`'s reason when it aborts. Refusals do not reject: the client
   * keeps trying; listen to `registrationFailed` to see them.
   */
  whenRegistered(signal?: AbortSignal): Promise<void> {
    if (this.#status.state === 'registered') return Promise.resolve();
    if (this.#closing !== undefined) return Promise.reject(new ClientClosedError());
    if (this.#stopped !== undefined) return Promise.reject(this.#stoppedError(this.#stopped));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Closes the connection with 1000 (the MS delists the server at once) and
   * stops for good: no reconnect, sessions forgotten, pending join handlers
   * aborted. Resolves when the connection is gone.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    clearTimeout(this.#reconnectTimer);
    this.#sessions.clear();
    this.#rejectWaiters(new ClientClosedError());
    this.#setStatus({ state: 'closed' });
    const link = this.#link;
    if (link === undefined) this.#resolveClosed?.();
    else link.close(1000, 'game server closing');
    return this.#closing;
  }

  #rejectWaiters(error: Error): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  #stoppedError(stop: StopInfo): ClientStoppedError {
    return new ClientStoppedError(stop.code, stop.reason, stop.message);
  }

  #setStatus(status: ClientStatus): void {
    this.#status = status;
    this.emit('status', status);
  }

  #connect(): void {
    const attempt = this.#options.backoff.attempt + 1;
    this.#setStatus({ state: 'connecting', attempt });
    this.emit('connecting', { url: this.#options.url, attempt });
    // A listener may have called close() meanwhile.
    if (this.#closing !== undefined) return;
    const link = new Link(this.#ctx);
    this.#link = link;
    link.connect();
  }

  #opened(link: Link): void {
    if (link !== this.#link) return;
    this.#setStatus({ state: 'connected' });
    this.emit('connected', { url: this.#options.url });
  }

  #registered(link: Link): void {
    if (link !== this.#link || this.#closing !== undefined) return;
    this.#notBefore = 0;
    this.#options.backoff.reset();
    if (this.#status.state === 'registered') return;
    const since = Date.now();
    this.#setStatus({ state: 'registered', since });
    this.emit('registered', { since });
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.resolve();
  }

  #refused(link: Link, error: ResponseError, sentAt: number): void {
    if (link !== this.#link || this.#closing !== undefined) return;
    this.#notBefore = sentAt + this.#options.registerInterval;
    this.#setStatus({ state: 'connected', registrationError: error });
    this.emit('registrationFailed', error);
  }

  #join(link: Link, request: JoinRequest): void {
    const { sessionToken, username, clantag, conv } = request;
    const join: PlayerJoin = { id: int64ToString(request.metadata.id), sessionToken, username, clantag, conv };
    const { onJoin, joinTimeout } = this.#options;
    void runJoinHandler(onJoin, join, joinTimeout, link.signal).then((result) => {
      if (result.kind === 'aborted' || link.state !== 'open') return;
      const { answer } = result;
      // The session exists before the answer leaves, so the player cannot arrive first.
      if (answer.accept) this.#sessions.add(join);
      link.answerJoin(request.metadata.id, answer.accept ? undefined : answer.error);
      this.emit('join', {
        join,
        accepted: answer.accept,
        error: answer.accept ? undefined : answer.error,
        handlerFailure: result.kind === 'answered' ? undefined : { kind: result.kind, cause: result.cause },
      });
    });
  }

  #closed(link: Link, info: TransportClose): void {
    if (link !== this.#link) return;
    this.#link = undefined;
    const { code, reason, error } = info;
    const disconnect = (reconnectIn: number | undefined): DisconnectInfo =>
      error === undefined ? { code, reason, reconnectIn } : { code, reason, reconnectIn, error };
    if (this.#closing !== undefined) {
      this.emit('disconnected', disconnect(undefined));
      this.#resolveClosed?.();
      return;
    }
    if (code === CloseCode.SUPERSEDED || code === CloseCode.BANNED) {
      // Reconnecting would take the listing back from the other server, which would take it back again, forever.
      const stop = stopInfo(code, reason, link.localAddress, this.#info.port);
      this.#stopped = stop;
      this.#setStatus({ state: 'stopped', code, reason });
      this.emit('disconnected', disconnect(undefined));
      this.emit('stopped', stop);
      this.#rejectWaiters(this.#stoppedError(stop));
      return;
    }
    const delay = this.#options.backoff.next();
    this.#setStatus({ state: 'reconnecting', attempt: this.#options.backoff.attempt + 1, delay, code });
    this.emit('disconnected', disconnect(delay));
    this.#reconnectTimer = setTimeout(() => {
      if (this.#closing === undefined) this.#connect();
    }, delay);
  }
}
