/**
 * One connection to the masterserver, as a state machine
 * (`connecting` → `open` → `closing` → `closed`): it registers on a schedule,
 * applies docs/protocol.md#checks to everything it receives, and hands the rest to the
 * client. A new connection is a new link.
 *
 * @module
 */

import {
  decodeAtGameServer,
  encodeGeneralResponse,
  encodeRegistration,
  type Int64,
  int64ToString,
  type JoinRequest,
  MessageType,
  ProtocolError,
  type RegistrationResponse,
  type ResponseError,
  type ServerInfo,
} from '@masterserver/protocol';
import type { ResolvedClientOptions } from './options.js';
import type { Connection, TransportClose } from './transport.js';

/** What a link needs from the client that owns it. */
export interface LinkContext {
  readonly options: ResolvedClientOptions;
  /** The server info to register now. */
  info(): ServerInfo;
  /** A fresh registration id, never used before by this client. */
  nextId(): number;
  /** The earliest time (ms since the epoch) a registration may go out, after a refusal; 0 when any time. */
  notBefore(): number;
  opened(link: Link): void;
  registered(link: Link): void;
  refused(link: Link, error: ResponseError, sentAt: number): void;
  join(link: Link, request: JoinRequest): void;
  closed(link: Link, info: TransportClose): void;
}

/** The state of a {@link Link}. */
export type LinkState = 'connecting' | 'open' | 'closing' | 'closed';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One connection and its registration schedule. */
export class Link {
  readonly #ctx: LinkContext;
  #connection: Connection | undefined;
  readonly #aborter = new AbortController();
  readonly #pending = new Map<string, { sentAt: number; timer: ReturnType<typeof setTimeout> }>();
  #state: LinkState = 'connecting';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #closeSent: { code: number; reason: string } | undefined;

  constructor(ctx: LinkContext) {
    this.#ctx = ctx;
  }

  /** Starts connecting to the client's URL; a transport that throws counts as a failed connect. */
  connect(): void {
    if (this.#connection !== undefined || this.#state !== 'connecting') return;
    const { transport, url } = this.#ctx.options;
    try {
      this.#connection = transport.connect(url, {
        open: () => this.#opened(),
        message: (data, isBinary) => this.#received(data, isBinary),
        close: (info) => this.#closed(info),
      });
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      setTimeout(() => this.#closed({ code: 1006, reason: cause.message, error: cause }), 0);
    }
  }

  /** `connecting`, `open`, `closing` or `closed`. */
  get state(): LinkState {
    return this.#state;
  }

  /** The local IP address of the connection, once open, when the transport knows it. */
  get localAddress(): string | undefined {
    return this.#connection?.localAddress;
  }

  /** Aborts when the link starts to close: answers to joins are not wanted after that. */
  get signal(): AbortSignal {
    return this.#aborter.signal;
  }

  /** Registers as soon as allowed: now, unless within `minRegisterGap` of the last one or before `notBefore`. */
  registerSoon(): void {
    if (this.#state !== 'open') return;
    const at = Math.max(Date.now(), this.#lastSentAt + this.#ctx.options.minRegisterGap, this.#ctx.notBefore());
    if (at < this.#dueAt) this.#schedule(at);
  }

  /** Answers the join request `id`: success, or `error`. Only while open. */
  answerJoin(id: Int64, error?: ResponseError): void {
    if (this.#state === 'open') this.#connection?.send(encodeGeneralResponse(MessageType.JOIN_RESPONSE, id, error));
  }

  /** Closes with `code` and `reason`; nothing received afterwards is acted on. */
  close(code: number, reason: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#closeSent = { code, reason };
    this.#stop();
    this.#connection?.close(code, reason);
  }

  #opened(): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'open';
    this.#ctx.opened(this);
    if (this.#state === 'open') this.#schedule(Math.max(Date.now(), this.#ctx.notBefore()));
  }

  /** Registers at `at`, or right now if that is not in the future. */
  #schedule(at: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const delay = at - Date.now();
    if (delay <= 0) {
      this.#register();
      return;
    }
    this.#dueAt = at;
    this.#timer = setTimeout(() => this.#register(), delay);
  }

  #register(): void {
    if (this.#state !== 'open') return;
    const { options } = this.#ctx;
    const id = this.#ctx.nextId();
    const sentAt = Date.now();
    this.#connection?.send(encodeRegistration({ id, info: this.#ctx.info(), regToken: options.regToken }));
    this.#lastSentAt = sentAt;
    const timer = setTimeout(() => {
      this.close(1001, `no answer to registration ${id} within ${options.responseTimeout} ms`);
    }, options.responseTimeout);
    this.#pending.set(String(id), { sentAt, timer });
    this.#schedule(sentAt + options.registerInterval);
  }

  readonly #isAwaiting = (id: string): boolean => this.#pending.has(id);

  #received(data: Uint8Array, isBinary: boolean): void {
    // Once a check failed (or the client closed), nothing that arrives is acted on.
    if (this.#state !== 'open') return;
    if (isBinary) {
      this.close(1003, 'binary frames are not accepted');
      return;
    }
    let text: string;
    try {
      text = utf8.decode(data);
    } catch {
      this.close(1007, 'text frame is not valid UTF-8');
      return;
    }
    let message: ReturnType<typeof decodeAtGameServer>;
    try {
      message = decodeAtGameServer(text, this.#isAwaiting);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.close(error.closeCode, error.reason);
      return;
    }
    if (message === undefined) return;
    if (message.metadata.type === MessageType.JOIN) this.#ctx.join(this, message as JoinRequest);
    else this.#answered(message as RegistrationResponse);
  }

  #answered(response: RegistrationResponse): void {
    const key = int64ToString(response.metadata.id);
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    this.#pending.delete(key);
    clearTimeout(pending.timer);
    if (response.success) {
      this.#ctx.registered(this);
      return;
    }
    this.#ctx.refused(this, response.error, pending.sentAt);
    // A registration asked for with `now` must not retry before the interval either.
    const notBefore = this.#ctx.notBefore();
    if (this.#state === 'open' && this.#dueAt < notBefore) this.#schedule(notBefore);
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    this.#aborter.abort(new Error('the connection closed'));
  }

  #closed(info: TransportClose): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stop();
    const sent = this.#closeSent;
    this.#ctx.closed(this, sent === undefined ? info : { ...sent, error: info.error });
  }
}
