/**
 * A scripted game server for integration tests, on {@link RawWebSocket}: it
 * writes registrations as exact text and reads the MS's messages exactly
 * (int64 ids intact), with no protocol logic of its own.
 *
 * @module
 */

import { type JsonValue, parseJson, type ServerInfo } from '@masterserver/protocol';
import { type ConnectOptions, RawWebSocket } from './raw-websocket.js';

/** A plausible, valid server info; override fields per test. */
export function serverInfo(overrides: Partial<ServerInfo> = {}): ServerInfo {
  return {
    name: '[NS] Test Server',
    desc: 'integration test',
    port: 37015,
    map: 'mp_forwardbase_kodai',
    playlist: 'fd_regular',
    curPlayers: 0,
    maxPlayers: 16,
    gameState: 0,
    ...overrides,
  };
}

/** The text of a registration request; `id` is written as given (a JSON integer literal). */
export function registrationText(token: string, info: ServerInfo, id: string | number = 1): string {
  return JSON.stringify({ metadata: { type: 1, id: 0 }, info, regToken: token }).replace(
    '"id":0}',
    `"id":${String(id)}}`,
  );
}

/** A message received from the MS: the text and its exact parse. */
export interface Received {
  text: string;
  value: { [key: string]: JsonValue };
}

/** A test game server. */
export class TestGameServer {
  readonly socket: RawWebSocket;
  token: string;
  #nextId = 1;

  private constructor(socket: RawWebSocket, token: string) {
    this.socket = socket;
    this.token = token;
  }

  /** Connects to `wsUrl` (the MS's `/v2/server/ws`). */
  static async connect(wsUrl: string, token: string, options?: ConnectOptions): Promise<TestGameServer> {
    return new TestGameServer(await RawWebSocket.connect(wsUrl, options), token);
  }

  /** Sends a registration and returns the MS's answer. */
  async register(info: Partial<ServerInfo> = {}, id: string | number = this.#nextId++): Promise<Received> {
    this.socket.sendText(registrationText(this.token, serverInfo(info), id));
    return this.next();
  }

  /** The next text message from the MS, parsed exactly. */
  async next(timeoutMs = 3000): Promise<Received> {
    const text = await this.socket.nextText(timeoutMs);
    return { text, value: parseJson(text) as { [key: string]: JsonValue } };
  }

  /** Answers a join request with success, or with `error`. */
  answer(joinRequest: Received, error?: { type: number; msg: string }): void {
    const id = /"id":(-?\d+)/.exec(joinRequest.text)?.[1];
    if (id === undefined) throw new Error(`not a join request: ${joinRequest.text}`);
    const body = error === undefined ? '"success":true' : `"success":false,"error":${JSON.stringify(error)}`;
    this.socket.sendText(`{"metadata":{"type":-2,"id":${id}},${body}}`);
  }

  /** Closes politely (Close frame) and waits for the TCP connection to end. */
  async close(code = 1000): Promise<void> {
    if (this.socket.isEnded) return;
    this.socket.autoCloseReply = true;
    this.socket.close(code);
    await this.socket.ended;
  }
}
