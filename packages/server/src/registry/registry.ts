/**
 * The server list's storage interface. The gateway writes listings through it
 * and the HTTP API reads them; neither knows where they live (memory here,
 * Redis for several instances).
 *
 * @module
 */

import type { PublicServer, ServerInfo } from '@masterserver/protocol';
import type { MaybePromise } from '../maybe-async.js';
import { interned } from './interned.js';

/** A listed game server, as the registry keeps it. */
export interface ListedServer extends PublicServer {
  /** The address players are sent to; never in the public list. */
  readonly ip: string;
  readonly port: number;
  /** Id of the registration token it registered with. */
  readonly tokenId: string;
  /**
   * The connection that lists it (unique in the cluster). A listing of the same id (the same address) by
   * another connection supersedes it; a delete by a connection that no longer holds the id does nothing.
   */
  readonly holder: string;
  /** When the connection that lists it opened, ms since the epoch (the admin API's `connectedAt`). */
  readonly connectedAt: number;
  /** The public JSON object of this server, serialized once. */
  readonly json: string;
}

/** Why a registry removed a server on its own. */
export type EvictReason = 'superseded';

/** Called when a registry removed the listing of `holder` on its own. */
export type EvictListener = (id: string, reason: EvictReason, holder: string) => void;

/** Answer to {@link Registry.put}. */
export type PutResult = { ok: true } | { ok: false; reason: 'full' };

/**
 * Storage of the server list. Writes may answer synchronously (in memory) or
 * with a promise (networked); callers handle both with `andThen`.
 */
export interface Registry {
  /**
   * Lists `server`, or replaces its listing. A listing of the same id by
   * another {@link ListedServer.holder} is replaced and reported to
   * {@link onEvict} listeners with `superseded` and that holder. Resolves
   * `full` when the list holds its maximum and `server.id` is not on it.
   */
  put(server: ListedServer): MaybePromise<PutResult>;
  /** Tells the registry a listing is still current (its registration was repeated unchanged). */
  refresh(id: string): MaybePromise<void>;
  /** Delists `server`, if its holder still holds its id; nothing happens otherwise. */
  delete(server: ListedServer): MaybePromise<void>;
  /** A listed server, or `undefined`. */
  get(id: string): ListedServer | undefined;
  /** Every listed server, in no particular order. */
  values(): IterableIterator<ListedServer>;
  /** How many servers are listed. */
  readonly size: number;
  /** Grows whenever the list changes. */
  readonly version: number;
  /**
   * The instance that holds a listed server's connection when that is another
   * instance (a shared registry); `undefined` for local or unknown servers.
   */
  ownerOf(id: string): string | undefined;
  /** False while a shared store cannot be reached: the instance serves what it knows and reports itself degraded. */
  readonly available: boolean;
  /** Calls `listener` for listings the registry removed on its own. Returns a function that removes it. */
  onEvict(listener: EvictListener): () => void;
  /** Releases the registry. */
  close(): Promise<void>;
}

/**
 * The public JSON object of a server: no password, no address. The text is
 * flattened before it is returned: a listing keeps it for as long as it is
 * listed, and V8 keeps a concatenation as a tree of its pieces (here about
 * twenty), which holds about three times the memory of the flat string.
 */
export function publicServerJson(s: PublicServer): string {
  const json =
    `{"id":${JSON.stringify(s.id)},"name":${JSON.stringify(s.name)},"desc":${JSON.stringify(s.desc)},` +
    `"map":${JSON.stringify(s.map)},"playlist":${JSON.stringify(s.playlist)},` +
    `"curPlayers":${s.curPlayers},"maxPlayers":${s.maxPlayers},` +
    `"hasPassword":${s.hasPassword},"gameState":${s.gameState},"reachable":${s.reachable}}`;
  // Reading a character of a concatenation flattens it in place; the comparison keeps the read from being optimized away.
  if (json.charCodeAt(json.length - 1) !== 0x7d) throw new Error('the public JSON of a server must end with "}"');
  return json;
}

/** A listed server from its fields: adds the serialized public object. */
export function withPublicJson(f: Omit<ListedServer, 'json'>): ListedServer {
  // A literal, not a spread: this runs for every changed registration. The texts many servers share are kept once.
  return {
    id: f.id,
    name: f.name,
    desc: f.desc,
    map: interned.of(f.map),
    playlist: interned.of(f.playlist),
    curPlayers: f.curPlayers,
    maxPlayers: f.maxPlayers,
    hasPassword: f.hasPassword,
    gameState: f.gameState,
    reachable: f.reachable,
    ip: interned.of(f.ip),
    port: f.port,
    tokenId: f.tokenId,
    holder: f.holder,
    connectedAt: f.connectedAt,
    json: publicServerJson(f),
  };
}

/**
 * Builds the registry's record of a server from its registration. `reachable`: the probe's verdict
 * (default unknown); `holder`: the connection that lists it (default the id itself, for a listing made
 * without a connection); `connectedAt`: when that connection opened (default now).
 */
export function toListedServer(
  id: string,
  info: ServerInfo,
  ip: string,
  tokenId: string,
  reachable: boolean | null = null,
  holder: string = id,
  connectedAt: number = Date.now(),
): ListedServer {
  return withPublicJson({
    id,
    name: info.name,
    desc: info.desc,
    map: info.map,
    playlist: info.playlist,
    curPlayers: info.curPlayers,
    maxPlayers: info.maxPlayers,
    hasPassword: info.password !== undefined && info.password !== '',
    gameState: info.gameState,
    reachable,
    ip,
    port: info.port,
    tokenId,
    holder,
    connectedAt,
  });
}

/** The same listing with another reachability verdict. */
export function withReachable(server: ListedServer, reachable: boolean | null): ListedServer {
  return withPublicJson({ ...server, reachable });
}

/** True when `info` describes `server` as it is listed (the password aside). */
export function sameInfo(server: ListedServer, info: ServerInfo): boolean {
  return (
    server.port === info.port &&
    server.curPlayers === info.curPlayers &&
    server.maxPlayers === info.maxPlayers &&
    server.gameState === info.gameState &&
    server.name === info.name &&
    server.map === info.map &&
    server.playlist === info.playlist &&
    server.desc === info.desc
  );
}

/** True when a registration of `info` with `tokenId` would list `server` exactly as it is (a refresh). */
export function sameListing(server: ListedServer, info: ServerInfo, tokenId: string): boolean {
  return server.tokenId === tokenId && sameInfo(server, info);
}
