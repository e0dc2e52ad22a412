/**
 * A transport for unit tests: the test plays the masterserver by hand,
 * opening, feeding and closing each connection, and reads what the client sent.
 */

import type { Connection, ConnectionHandlers, Transport, TransportClose } from '../src/index.js';

/** One connection the client opened. */
export class FakeConnection implements Connection {
  readonly url: string;
  /** Every text the client sent, in order. */
  readonly sent: string[] = [];
  /** When each of {@link sent} was sent (Date.now(), faked in the tests). */
  readonly sentAt: number[] = [];
  /** What the client closed with, if it did. */
  closedWith: { code: number; reason: string } | undefined;
  /** The local address the "transport" reports; set it before {@link open}. */
  localAddress: string | undefined;
  #handlers: ConnectionHandlers;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';

  constructor(url: string, handlers: ConnectionHandlers) {
    this.url = url;
    this.#handlers = handlers;
  }

  get state(): 'connecting' | 'open' | 'closed' {
    return this.#state;
  }

  /** The handshake succeeds. */
  open(): void {
    if (this.#state !== 'connecting') throw new Error(`open() on a ${this.#state} connection`);
    this.#state = 'open';
    this.#handlers.open();
  }

  /** A message arrives from the "MS". */
  receive(data: string | Uint8Array, isBinary = false): void {
    if (this.#state !== 'open') throw new Error(`receive() on a ${this.#state} connection`);
    this.#handlers.message(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, isBinary);
  }

  /** The connection ends (the peer closed, TCP broke, or the connect failed). */
  end(info: TransportClose): void {
    if (this.#state === 'closed') throw new Error('end() on a closed connection');
    this.#state = 'closed';
    this.#handlers.close(info);
  }

  send(text: string): void {
    if (this.#state !== 'open') throw new Error(`send() on a ${this.#state} connection`);
    this.sent.push(text);
    this.sentAt.push(Date.now());
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }

  /** The texts sent, parsed with JSON.parse (fine for ids in the safe range). */
  sentJson(): Array<{
    metadata: { type: number; id: number };
    info?: Record<string, unknown>;
    [key: string]: unknown;
  }> {
    return this.sent.map((text) => JSON.parse(text));
  }
}

/** Hands out {@link FakeConnection}s. */
export class FakeTransport implements Transport {
  readonly connections: FakeConnection[] = [];

  connect(url: string, handlers: ConnectionHandlers): Connection {
    const connection = new FakeConnection(url, handlers);
    this.connections.push(connection);
    return connection;
  }

  /** The newest connection. */
  get last(): FakeConnection {
    const connection = this.connections.at(-1);
    if (connection === undefined) throw new Error('no connection was opened');
    return connection;
  }
}

/** A registration response text. */
export function registrationOk(id: number | string): string {
  return `{"metadata":{"type":-1,"id":${id}},"success":true}`;
}

/** A failed registration response text. */
export function registrationRefused(id: number | string, type = 1, msg = 'Invalid registration token'): string {
  return `{"metadata":{"type":-1,"id":${id}},"success":false,"error":{"type":${type},"msg":${JSON.stringify(msg)}}}`;
}

/** A join request text; `id` is written as given. */
export function joinRequest(
  id: number | string,
  fields: { sessionToken?: string; username?: string; clantag?: string; conv?: number } = {},
): string {
  return (
    `{"metadata":{"type":2,"id":${id}},"sessionToken":${JSON.stringify(fields.sessionToken ?? 'token-1')},` +
    `"username":${JSON.stringify(fields.username ?? 'alice')},"clantag":${JSON.stringify(fields.clantag ?? 'ABC')},` +
    `"conv":${fields.conv ?? 42}}`
  );
}
