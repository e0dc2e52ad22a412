/**
 * The client's options: one interface, its defaults, and the one place that
 * checks them.
 *
 * @module
 */

import type { ServerInfo } from '@masterserver/protocol';
import { Backoff, type BackoffOptions, type Random } from './backoff.js';
import { checkMs, OptionError } from './errors.js';
import { infoFromInit, type ServerInfoInit } from './info.js';
import { acceptEveryone, type JoinHandler } from './join.js';
import type { Transport } from './transport.js';
import { WsTransport } from './ws-transport.js';

/** Options of {@link GameServerClient}. `url`, `regToken` and `info` are required. */
export interface GameServerClientOptions {
  /** The MS's WebSocket endpoint: `wss://HOST/v2/server/ws`, or `ws://` without TLS. */
  url: string | URL;
  /** The registration token the MS operator gave you. */
  regToken: string;
  /** The server info of the first registration; change it later with `update()`. */
  info: ServerInfoInit;
  /** Milliseconds between registrations; keep it well under the MS's registration TTL (default 30 s). Default `10000`. */
  registerInterval?: number | undefined;
  /**
   * Shortest time, in ms, between a registration and one asked for with
   * `update(…, { now: true })`; updates asked for sooner go out together when
   * it has passed. Keeps a game that updates on every player event under the
   * MS's default limit of 10 registrations in 10 s. Default `1250`.
   */
  minRegisterGap?: number | undefined;
  /** Milliseconds to wait for the answer to a registration before the connection counts as dead and is replaced. Default `10000`. */
  responseTimeout?: number | undefined;
  /** Decides on player joins. Default: accept every player. */
  onJoin?: JoinHandler | undefined;
  /** Milliseconds `onJoin` has to answer before the player is rejected; below the MS's join timeout (5 s). Default `4000`. */
  joinTimeout?: number | undefined;
  /** Milliseconds an accepted join is kept for `consumeSession()`. Default `60000`. */
  sessionTtl?: number | undefined;
  /** Reconnect delays: full-jitter exponential backoff. Default `{ initial: 1000, max: 30000, factor: 2 }`. */
  backoff?: BackoffOptions | undefined;
  /** How connections are made. Default: a new {@link WsTransport} with its defaults. */
  transport?: Transport | undefined;
  /** Random numbers in `[0, 1)` for the backoff jitter. Default `Math.random`. */
  random?: Random | undefined;
}

/** The defaults of {@link GameServerClientOptions}. */
export const defaultClientOptions = {
  registerInterval: 10_000,
  minRegisterGap: 1_250,
  responseTimeout: 10_000,
  joinTimeout: 4_000,
  sessionTtl: 60_000,
} as const;

/** {@link GameServerClientOptions}, checked, with every default filled in. */
export interface ResolvedClientOptions {
  url: string;
  regToken: string;
  info: ServerInfo;
  registerInterval: number;
  minRegisterGap: number;
  responseTimeout: number;
  onJoin: JoinHandler;
  joinTimeout: number;
  sessionTtl: number;
  backoff: Backoff;
  transport: Transport;
}

function checkUrl(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new OptionError('url', `"${String(value)}" is not a URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new OptionError('url', `must be a ws:// or wss:// URL, got ${url.protocol}//`);
  }
  return url.href;
}

/** Fills in defaults and checks every option once; throws {@link OptionError} naming the first bad one. */
export function resolveClientOptions(options: GameServerClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new OptionError('options', 'must be an object');
  const d = defaultClientOptions;
  const o = options;
  if (typeof o.regToken !== 'string' || o.regToken === '') {
    throw new OptionError('regToken', 'must be a non-empty string');
  }
  if (o.onJoin !== undefined && typeof o.onJoin !== 'function') throw new OptionError('onJoin', 'must be a function');
  if (o.random !== undefined && typeof o.random !== 'function') throw new OptionError('random', 'must be a function');
  return {
    url: checkUrl(o.url),
    regToken: o.regToken,
    info: infoFromInit(o.info),
    registerInterval: checkMs('registerInterval', o.registerInterval ?? d.registerInterval),
    minRegisterGap: checkMs('minRegisterGap', o.minRegisterGap ?? d.minRegisterGap, 0),
    responseTimeout: checkMs('responseTimeout', o.responseTimeout ?? d.responseTimeout),
    onJoin: o.onJoin ?? acceptEveryone,
    joinTimeout: checkMs('joinTimeout', o.joinTimeout ?? d.joinTimeout),
    sessionTtl: checkMs('sessionTtl', o.sessionTtl ?? d.sessionTtl),
    backoff: new Backoff(o.backoff, o.random),
    transport: o.transport ?? new WsTransport(),
  };
}
