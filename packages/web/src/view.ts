/**
 * What the player looks at: the search, the filters and the sort order, kept
 * in the URL's query string so that a link reproduces the view; and the pure
 * functions that turn the list into the rows shown.
 *
 * @module
 */

import type { Server } from './types.js';

/** The columns the list sorts by. */
export const SortKey = {
  name: 'name',
  map: 'map',
  playlist: 'playlist',
  players: 'players',
  state: 'state',
} as const;
/** One of {@link SortKey}. */
export type SortKey = (typeof SortKey)[keyof typeof SortKey];

/** A sort direction. */
export type SortDir = 'asc' | 'desc';

/** The view: search text, filters and sort order. */
export interface ViewState {
  /** Text searched in name, description, map and playlist (case-insensitive). */
  readonly q: string;
  /** Only this map; `''` for all. */
  readonly map: string;
  /** Only this playlist; `''` for all. */
  readonly playlist: string;
  /** Hide servers whose players reached their maximum. */
  readonly hideFull: boolean;
  /** Hide servers that ask for a password. */
  readonly hidePassworded: boolean;
  readonly sort: SortKey;
  readonly dir: SortDir;
}

/** The view of a page opened without a query string: most players first, as the masterserver lists them. */
export const defaultView: ViewState = {
  q: '',
  map: '',
  playlist: '',
  hideFull: false,
  hidePassworded: false,
  sort: 'players',
  dir: 'desc',
};

/** The direction a column sorts in when first clicked: counts from most, text from A. */
export function naturalDir(key: SortKey): SortDir {
  return key === 'players' ? 'desc' : 'asc';
}

function isSortKey(value: string | null): value is SortKey {
  return value !== null && Object.hasOwn(SortKey, value);
}

/** Reads a view from a query string (`?q=…&map=…`); unknown or bad parameters fall back to the defaults. */
export function parseView(search: string): ViewState {
  const params = new URLSearchParams(search);
  const sortParam = params.get('sort');
  const sort = isSortKey(sortParam) ? sortParam : defaultView.sort;
  const dirParam = params.get('dir');
  const dir: SortDir = dirParam === 'asc' || dirParam === 'desc' ? dirParam : naturalDir(sort);
  return {
    q: params.get('q') ?? '',
    map: params.get('map') ?? '',
    playlist: params.get('playlist') ?? '',
    hideFull: params.get('full') === 'hide',
    hidePassworded: params.get('password') === 'hide',
    sort,
    dir,
  };
}

/** The query string of a view (`''` for the default view), the inverse of {@link parseView}. */
export function viewToSearch(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.q !== '') params.set('q', view.q);
  if (view.map !== '') params.set('map', view.map);
  if (view.playlist !== '') params.set('playlist', view.playlist);
  if (view.hideFull) params.set('full', 'hide');
  if (view.hidePassworded) params.set('password', 'hide');
  if (view.sort !== defaultView.sort || view.dir !== defaultView.dir) {
    params.set('sort', view.sort);
    if (view.dir !== naturalDir(view.sort)) params.set('dir', view.dir);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The view after a click on a column header: the same column flips, another starts in its natural direction. */
export function toggleSort(view: ViewState, key: SortKey): ViewState {
  if (view.sort === key) return { ...view, dir: view.dir === 'asc' ? 'desc' : 'asc' };
  return { ...view, sort: key, dir: naturalDir(key) };
}

/** True when a server has no free slot. */
export function isFull(server: Server): boolean {
  return server.maxPlayers > 0 && server.curPlayers >= server.maxPlayers;
}

/** True when `server` passes the search and the filters of `view`. */
export function matches(server: Server, view: ViewState, needle = view.q.trim().toLowerCase()): boolean {
  if (view.map !== '' && server.map !== view.map) return false;
  if (view.playlist !== '' && server.playlist !== view.playlist) return false;
  if (view.hideFull && isFull(server)) return false;
  if (view.hidePassworded && server.hasPassword) return false;
  if (needle === '') return true;
  return (
    server.name.toLowerCase().includes(needle) ||
    server.desc.toLowerCase().includes(needle) ||
    server.map.toLowerCase().includes(needle) ||
    server.playlist.toLowerCase().includes(needle)
  );
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** The masterserver's own order: most players, then name, then id (total, so rows never swap at random). */
function byPlayers(a: Server, b: Server): number {
  return b.curPlayers - a.curPlayers || collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const COMPARE: Record<SortKey, (a: Server, b: Server) => number> = {
  name: (a, b) => collator.compare(a.name, b.name),
  map: (a, b) => collator.compare(a.map, b.map),
  playlist: (a, b) => collator.compare(a.playlist, b.playlist),
  players: (a, b) => a.curPlayers - b.curPlayers,
  state: (a, b) => a.gameState - b.gameState,
};

/** The servers that pass `view`, in its order; ties keep the masterserver's order. */
export function visibleServers(servers: Iterable<Server>, view: ViewState): Server[] {
  const needle = view.q.trim().toLowerCase();
  const out: Server[] = [];
  for (const server of servers) if (matches(server, view, needle)) out.push(server);
  const compare = COMPARE[view.sort];
  const sign = view.dir === 'asc' ? 1 : -1;
  return out.sort((a, b) => sign * compare(a, b) || byPlayers(a, b));
}

/** The distinct values of a text field across `servers`, sorted, plus `keep` (a filter's current value). */
export function distinctValues(servers: Iterable<Server>, field: 'map' | 'playlist', keep: string): string[] {
  const values = new Set<string>();
  for (const server of servers) values.add(server[field]);
  if (keep !== '') values.add(keep);
  return [...values].sort(collator.compare);
}
