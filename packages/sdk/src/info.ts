/**
 * The server info a game hands the client: what it must give, the defaults
 * for the rest, and the type checks that catch a bad value when it is set
 * rather than when the next registration is encoded.
 *
 * @module
 */

import { type ServerInfo, validateServerInfo } from '@masterserver/protocol';
import { OptionError } from './errors.js';

/** The server info a client starts with: `name`, `port`, `map`, `playlist` and `maxPlayers`, the rest optional. */
export interface ServerInfoInit {
  /** Shown in the list; 1–64 characters. */
  name: string;
  /** The game's port on this host (1–65535); the MS lists this host's IP with it. */
  port: number;
  /** Current map; 1–64 characters. */
  map: string;
  /** Current playlist; 1–64 characters. */
  playlist: string;
  /** Player slots (≥ 0). */
  maxPlayers: number;
  /** Shown in the list; at most 1024 characters. Default `""`. */
  desc?: string | undefined;
  /** Players on the server now (0 ≤ curPlayers ≤ maxPlayers). Default `0`. */
  curPlayers?: number | undefined;
  /** Game-defined state (INT32), passed through to the list. Default `0`. */
  gameState?: number | undefined;
  /** Join password; `""` or absent means none. Default: none. */
  password?: string | undefined;
}

/** Changes to the server info: any fields of {@link ServerInfo}; `password: ""` removes a password. */
export type ServerInfoUpdate = Partial<ServerInfo>;

/** What a value looks like in an error message: text quoted, anything else as written. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Checks `info` against the protocol's schema (the same check the MS applies, `validateServerInfo`),
 * throwing {@link OptionError} naming the first wrong field. Values the schema allows but the list cannot
 * use (an empty name, curPlayers above maxPlayers) are the MS's to refuse, with registration error 2.
 */
export function checkInfo(info: ServerInfo): ServerInfo {
  return validateServerInfo(info, (path, expected, value) => {
    throw new OptionError(path, `must be ${expected}, got ${shown(value)}`);
  });
}

/** The full info from an init, defaults filled in, checked. */
export function infoFromInit(init: ServerInfoInit): ServerInfo {
  if (typeof init !== 'object' || init === null) throw new OptionError('info', 'must be an object');
  const info: ServerInfo = {
    name: init.name,
    desc: init.desc ?? '',
    port: init.port,
    map: init.map,
    playlist: init.playlist,
    curPlayers: init.curPlayers ?? 0,
    maxPlayers: init.maxPlayers,
    gameState: init.gameState ?? 0,
  };
  if (init.password !== undefined) info.password = init.password;
  return checkInfo(info);
}

const FIELDS: ReadonlySet<string> = new Set<keyof ServerInfo>([
  'name',
  'desc',
  'port',
  'map',
  'playlist',
  'curPlayers',
  'maxPlayers',
  'password',
  'gameState',
]);

/** `info` with `update` applied, checked; `info` is not changed. An unknown field (a typo) throws. */
export function applyUpdate(info: ServerInfo, update: ServerInfoUpdate): ServerInfo {
  if (typeof update !== 'object' || update === null) throw new OptionError('info', 'an update must be an object');
  const next: ServerInfo = { ...info };
  for (const [key, value] of Object.entries(update)) {
    if (!FIELDS.has(key)) throw new OptionError(`info.${key}`, 'is not a server info field');
    if (value !== undefined) Object.assign(next, { [key]: value });
  }
  return checkInfo(next);
}
