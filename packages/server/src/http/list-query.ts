/**
 * The query of `GET /v2/client/servers` and of its live stream: filters and
 * paging read from the query string, checked, and normalised into one key, so
 * that every spelling of the same query (parameters in any order, repeated
 * values in any order or twice, `true` for `1`, `q` in any case) shares one
 * cached answer. Parsing is cached by the exact query string.
 *
 * @module
 */

import { codePointLength, InfoLimits } from '@masterserver/protocol';
import type { ListedServer } from '../registry/registry.js';

/** Most servers one page holds (`limit`). */
export const LIST_LIMIT_MAX = 1000;

/** Most characters (code points) of `q`. */
export const QUERY_TEXT_MAX = 64;

/** What a filter keeps; every part is optional and they combine with AND. */
export interface ListFilter {
  /** Servers on one of these maps; `undefined`: any map. */
  readonly maps: ReadonlySet<string> | undefined;
  /** Servers on one of these playlists; `undefined`: any playlist. */
  readonly playlists: ReadonlySet<string> | undefined;
  /** Servers in one of these states; `undefined`: any state. */
  readonly gameStates: ReadonlySet<number> | undefined;
  /** Only servers with a free slot. */
  readonly notFull: boolean;
  /** Only servers with a player. */
  readonly notEmpty: boolean;
  /** Only servers without a password. */
  readonly noPassword: boolean;
  /** Only servers whose `reachable` is `true`. */
  readonly reachable: boolean;
  /** Only servers whose name or desc contains this text, in lower case; `undefined`: no text. */
  readonly q: string | undefined;
  /** The normalised filter: the same for every spelling of it; `''` when it keeps every server. */
  readonly filterKey: string;
}

/** A filter and a page of its result. */
export interface ListQuery extends ListFilter {
  /** Most servers answered; `undefined`: all of them. */
  readonly limit: number | undefined;
  /** Matched servers skipped before the page. */
  readonly offset: number;
  /** The normalised query (filter and page); `''` when it asks for the whole list. */
  readonly key: string;
}

/** A parsed query, or the parameter that is not valid and why. */
export type ParsedListQuery = { ok: true; query: ListQuery } | { ok: false; msg: string };

/** The parameters that may be given once only. */
const SINGLE = new Set(['notFull', 'notEmpty', 'noPassword', 'reachable', 'q', 'limit', 'offset']);

/** `1`/`true` on, `0`/`false` off, anything else `undefined`. */
function yesNo(value: string): boolean | undefined {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

function withinCodePoints(text: string, max: number): boolean {
  return text.length <= max || (text.length <= max * 2 && codePointLength(text) <= max);
}

/** `set` with `value` added; a new set when there was none. */
function added<T>(set: Set<T> | undefined, value: T): Set<T> {
  const result = set ?? new Set<T>();
  result.add(value);
  return result;
}

const sorted = <T>(values: Set<T> | undefined): T[] | undefined =>
  values === undefined ? undefined : [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Parses a query string (without the `?`). `paging`: whether `limit` and
 * `offset` are taken (the live stream does not page). Unknown parameters are
 * ignored; a bad value, or a parameter repeated that may be given once, is an
 * error whose message starts with the parameter's name.
 */
export function parseListQuery(search: string, paging: boolean): ParsedListQuery {
  let maps: Set<string> | undefined;
  let playlists: Set<string> | undefined;
  let gameStates: Set<number> | undefined;
  const flags = { notFull: false, notEmpty: false, noPassword: false, reachable: false };
  let q: string | undefined;
  let limit: number | undefined;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (SINGLE.has(name)) {
      if (seen.has(name)) return { ok: false, msg: `${name}: may be given only once` };
      seen.add(name);
    }
    switch (name) {
      case 'map':
      case 'playlist': {
        const max = name === 'map' ? InfoLimits.MAP_MAX : InfoLimits.PLAYLIST_MAX;
        if (value === '' || !withinCodePoints(value, max))
          return { ok: false, msg: `${name}: each value must be 1 to ${max} characters` };
        if (name === 'map') maps = added(maps, value);
        else playlists = added(playlists, value);
        break;
      }
      case 'gameState': {
        const state = Number(value);
        // `| 0` keeps exactly the integers of the INT32 range unchanged.
        if (!/^-?\d{1,10}$/.test(value) || (state | 0) !== state)
          return { ok: false, msg: 'gameState: each value must be an integer (INT32)' };
        gameStates = added(gameStates, state | 0);
        break;
      }
      case 'notFull':
      case 'notEmpty':
      case 'noPassword':
      case 'reachable': {
        const on = yesNo(value);
        if (on === undefined) return { ok: false, msg: `${name}: must be 1, true, 0 or false` };
        flags[name] = on;
        break;
      }
      case 'q':
        if (!withinCodePoints(value, QUERY_TEXT_MAX))
          return { ok: false, msg: `q: must be at most ${QUERY_TEXT_MAX} characters` };
        q = value === '' ? undefined : value.toLowerCase();
        break;
      case 'limit':
      case 'offset': {
        if (!paging) return { ok: false, msg: `${name}: the live stream does not page; it sends every match` };
        const n = Number(value);
        if (name === 'limit') {
          if (!/^\d{1,4}$/.test(value) || n < 1 || n > LIST_LIMIT_MAX)
            return { ok: false, msg: `limit: must be a whole number from 1 to ${LIST_LIMIT_MAX}` };
          limit = n;
        } else {
          if (!/^\d{1,15}$/.test(value)) return { ok: false, msg: 'offset: must be a whole number ≥ 0' };
          offset = n;
        }
        break;
      }
    }
  }
  const filtering =
    maps !== undefined ||
    playlists !== undefined ||
    gameStates !== undefined ||
    q !== undefined ||
    flags.notFull ||
    flags.notEmpty ||
    flags.noPassword ||
    flags.reachable;
  const filterKey = filtering
    ? JSON.stringify([sorted(maps), sorted(playlists), sorted(gameStates), flags, q ?? null])
    : '';
  const key = limit === undefined && offset === 0 ? filterKey : `${filterKey}|${limit ?? ''}|${offset}`;
  return { ok: true, query: { maps, playlists, gameStates, ...flags, q, filterKey, limit, offset, key } };
}

/** Lower-cased name and desc of a listing, kept as long as the listing (a listing is never changed, only replaced). */
const searchTexts = new WeakMap<ListedServer, { name: string; desc: string }>();

/** The name and desc of `server` in lower case, made once per listing. */
export function searchText(server: ListedServer): { name: string; desc: string } {
  let text = searchTexts.get(server);
  if (text === undefined) {
    text = { name: server.name.toLowerCase(), desc: server.desc.toLowerCase() };
    searchTexts.set(server, text);
  }
  return text;
}

/** Whether `server` passes `filter`. */
export function matchesFilter(server: ListedServer, filter: ListFilter): boolean {
  if (filter.maps !== undefined && !filter.maps.has(server.map)) return false;
  if (filter.playlists !== undefined && !filter.playlists.has(server.playlist)) return false;
  if (filter.gameStates !== undefined && !filter.gameStates.has(server.gameState)) return false;
  if (filter.notFull && server.curPlayers >= server.maxPlayers) return false;
  if (filter.notEmpty && server.curPlayers <= 0) return false;
  if (filter.noPassword && server.hasPassword) return false;
  if (filter.reachable && server.reachable !== true) return false;
  if (filter.q !== undefined) {
    const text = searchText(server);
    if (!text.name.includes(filter.q) && !text.desc.includes(filter.q)) return false;
  }
  return true;
}

/** Most query strings whose parse is kept, and the longest kept. */
const PARSED_MAX = 1024;
const PARSED_LENGTH_MAX = 1024;

/**
 * Parses the query strings of request URLs, keeping the result for each of
 * the last {@link PARSED_MAX} URLs (of at most {@link PARSED_LENGTH_MAX}
 * characters) so that a repeated query costs one lookup. The oldest is dropped
 * first.
 */
export class ListQueryParser {
  readonly #paging: boolean;
  readonly #parsed = new Map<string, ParsedListQuery>();

  /** `paging`: whether `limit` and `offset` are taken (see {@link parseListQuery}). */
  constructor(paging: boolean) {
    this.#paging = paging;
  }

  /** How many parses are kept. */
  get size(): number {
    return this.#parsed.size;
  }

  /**
   * The parse of the query string of `url`, which starts after its `?` at `from`; kept by the whole URL, so
   * that a repeated request costs one lookup and no copy.
   */
  parse(url: string, from: number): ParsedListQuery {
    const known = this.#parsed.get(url);
    if (known !== undefined) return known;
    const parsed = parseListQuery(url.slice(from), this.#paging);
    if (url.length <= PARSED_LENGTH_MAX) {
      if (this.#parsed.size >= PARSED_MAX) this.#parsed.delete(this.#parsed.keys().next().value as string);
      this.#parsed.set(url, parsed);
    }
    return parsed;
  }
}
