/**
 * The server list's storage interface. The gateway writes listings through it
 * and the HTTP API reads them; neither knows where they live (memory here,
 * Redis for several instances).
 *
 * @module
 */

import type { PublicServer, ServerInfo } from '@masterserver/protocol';
import type { MaybePromise } from '../maybe-async.js';

/** A listed game server, as the registry keeps it. */
export interface ListedServer extends PublicServer {
  /** The address players are sent to; never in the public list. */
  readonly ip: string;
  readonly port: number;
  /** Id of the registration token it registered with. */
  readonly tokenId: string;
  /** The public JSON object of this server, serialized once. */
  readonly json: string;
}

/** Why a registry removed a server on its own. */
export type EvictReason = 'superseded';

/** Answer to {@link Registry.put}. */
export type PutResult = { ok: true } | { ok: false; reason: 'full' };

/**
 * Storage of the server list. Writes may answer synchronously (in memory) or
 * with a promise (networked); callers handle both with `andThen`.
 */
export interface Registry {
  /**
   * Lists `server`, or replaces its listing. A listed server on another id at
   * the same `ip:port` is removed and reported to {@link onEvict} listeners
   * with `superseded`. Resolves `full` when the list holds its maximum and
   * `server.id` is not on it.
   */
  put(server: ListedServer): MaybePromise<PutResult>;
  /** Tells the registry a listing is still current (its registration was repeated unchanged). */
  refresh(id: string): MaybePromise<void>;
  /** Delists a server; nothing happens if it is not listed. */
  delete(id: string): MaybePromise<void>;
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
  ownerOf?(id: string): string | undefined;
  /** False while a shared store cannot be reached: the instance serves what it knows and reports itself degraded. */
  readonly available?: boolean;
  /** Calls `listener` for servers the registry removed on its own. Returns a function that removes it. */
  onEvict(listener: (id: string, reason: EvictReason) => void): () => void;
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
  // A literal, not a spread: this runs for every changed registration.
  return {
    id: f.id,
    name: f.name,
    desc: f.desc,
    map: f.map,
    playlist: f.playlist,
    curPlayers: f.curPlayers,
    maxPlayers: f.maxPlayers,
    hasPassword: f.hasPassword,
    gameState: f.gameState,
    reachable: f.reachable,
    ip: f.ip,
    port: f.port,
    tokenId: f.tokenId,
    json: publicServerJson(f),
  };
}

/** Builds the registry's record of a server from its registration. */
export function toListedServer(
  id: string,
  info: ServerInfo,
  ip: string,
  tokenId: string,
  reachable: boolean | null = null,
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
  });
}
