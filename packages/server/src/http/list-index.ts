/**
 * One version of the list in columns, for its filtered queries: each server's
 * map, playlist and state as a small integer code, the positions (in list
 * order) of the servers of each value, its yes/no fields as bits, and, once a
 * query has text, each server's name and desc in lower case. Made once per
 * version, by its first filtered query.
 *
 * A query that names maps, playlists or states looks only at the servers of
 * the smallest of those sets, and checks each with a few array reads; one that
 * names none looks at every server the same way.
 *
 * @module
 */

import type { ListedServer } from '../registry/registry.js';
import { type ListFilter, searchText } from './list-query.js';

const NOT_FULL = 1;
const NOT_EMPTY = 2;
const NO_PASSWORD = 4;
const REACHABLE = 8;
/** Not known to be unreachable (`reachable` is `true` or `null`): what quick play asks of a server. */
const NOT_UNREACHABLE = 16;

/** What {@link ListIndex.matching} asks beyond the filter. */
export interface MatchOptions {
  /** Only servers not known to be unreachable. Default `false`. */
  notUnreachable?: boolean;
  /** Stop at `end`: `total` is then no more than `end`. Default `false` (count every match). */
  stopAtEnd?: boolean;
}

/** The servers of one field by value: a code per value, each server's code, each code's positions. */
class Column<K> {
  readonly #codes = new Map<K, number>();
  readonly #positions: number[][] = [];
  /** Each server's code, by position. */
  readonly of: Int32Array;

  constructor(size: number) {
    this.of = new Int32Array(size);
  }

  add(position: number, value: K): void {
    let code = this.#codes.get(value);
    if (code === undefined) {
      code = this.#positions.length;
      this.#codes.set(value, code);
      this.#positions.push([]);
    }
    this.of[position] = code;
    (this.#positions[code] as number[]).push(position);
  }

  /** Which codes `values` allow, and the positions of their servers (each list in list order). */
  select(values: ReadonlySet<K>): Selection {
    const allowed = new Uint8Array(this.#positions.length);
    const lists: number[][] = [];
    let count = 0;
    for (const value of values) {
      const code = this.#codes.get(value);
      if (code === undefined) continue;
      allowed[code] = 1;
      const list = this.#positions[code] as number[];
      lists.push(list);
      count += list.length;
    }
    return { of: this.of, allowed, lists, count };
  }
}

interface Selection {
  readonly of: Int32Array;
  readonly allowed: Uint8Array;
  readonly lists: readonly (readonly number[])[];
  readonly count: number;
}

/** The positions of the servers of `selection`, in list order. */
function positionsOf(selection: Selection): readonly number[] {
  if (selection.lists.length === 1) return selection.lists[0] as readonly number[];
  const merged: number[] = [];
  for (const list of selection.lists) for (const position of list) merged.push(position);
  return merged.sort((a, b) => a - b);
}

/** A snapshot's servers in columns (see the module description). */
export class ListIndex {
  readonly #servers: readonly ListedServer[];
  readonly #map: Column<string>;
  readonly #playlist: Column<string>;
  readonly #gameState: Column<number>;
  readonly #flags: Uint8Array;
  #texts: { names: string[]; descs: string[] } | undefined;

  /** `servers`: in list order. */
  constructor(servers: readonly ListedServer[]) {
    const size = servers.length;
    this.#servers = servers;
    this.#map = new Column(size);
    this.#playlist = new Column(size);
    this.#gameState = new Column(size);
    this.#flags = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const server = servers[i] as ListedServer;
      this.#map.add(i, server.map);
      this.#playlist.add(i, server.playlist);
      this.#gameState.add(i, server.gameState);
      this.#flags[i] =
        (server.curPlayers < server.maxPlayers ? NOT_FULL : 0) |
        (server.curPlayers > 0 ? NOT_EMPTY : 0) |
        (server.hasPassword ? 0 : NO_PASSWORD) |
        (server.reachable === true ? REACHABLE : 0) |
        (server.reachable === false ? 0 : NOT_UNREACHABLE);
    }
  }

  /**
   * The servers that pass `filter`: how many, and the positions (in list order) of those from the
   * `offset`-th (counted from 0) to before the `end`-th.
   */
  matching(
    filter: ListFilter,
    offset = 0,
    end = Number.POSITIVE_INFINITY,
    options: MatchOptions = {},
  ): { total: number; positions: number[] } {
    const selections: Selection[] = [];
    for (const [column, values] of [
      [this.#map, filter.maps],
      [this.#playlist, filter.playlists],
      [this.#gameState, filter.gameStates],
    ] as const) {
      if (values === undefined) continue;
      const selection = (column as Column<string | number>).select(values);
      if (selection.count === 0) return { total: 0, positions: [] };
      selections.push(selection);
    }
    // The servers of the smallest selection are the candidates; the other selections are checked on each.
    selections.sort((a, b) => a.count - b.count);
    const [first, second, third] = selections;
    const candidates = first === undefined ? undefined : positionsOf(first);
    const mask =
      (filter.notFull ? NOT_FULL : 0) |
      (filter.notEmpty ? NOT_EMPTY : 0) |
      (filter.noPassword ? NO_PASSWORD : 0) |
      (filter.reachable ? REACHABLE : 0) |
      (options.notUnreachable === true ? NOT_UNREACHABLE : 0);
    const stop = options.stopAtEnd === true ? end : Number.POSITIVE_INFINITY;
    const { q } = filter;
    const texts = q === undefined ? undefined : this.#lowerTexts();
    const flags = this.#flags;
    const positions: number[] = [];
    let matched = 0;
    const size = candidates === undefined ? this.#servers.length : candidates.length;
    for (let k = 0; k < size; k++) {
      const i = candidates === undefined ? k : (candidates[k] as number);
      if (((flags[i] as number) & mask) !== mask) continue;
      if (second !== undefined && second.allowed[second.of[i] as number] === 0) continue;
      if (third !== undefined && third.allowed[third.of[i] as number] === 0) continue;
      if (texts !== undefined && !(texts.names[i] as string).includes(q as string)) {
        if (!(texts.descs[i] as string).includes(q as string)) continue;
      }
      if (matched >= offset && matched < end) positions.push(i);
      if (++matched >= stop) break;
    }
    return { total: matched, positions };
  }

  /** Each server's name and desc in lower case, by position: made by the first query with text. */
  #lowerTexts(): { names: string[]; descs: string[] } {
    if (this.#texts === undefined) {
      const size = this.#servers.length;
      const names = new Array<string>(size);
      const descs = new Array<string>(size);
      for (let i = 0; i < size; i++) {
        const text = searchText(this.#servers[i] as ListedServer);
        names[i] = text.name;
        descs[i] = text.desc;
      }
      this.#texts = { names, descs };
    }
    return this.#texts;
  }
}
