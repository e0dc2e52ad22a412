/**
 * What the player looks at: the search and the filters (and the playlist
 * quick play asks for), kept in the URL's query string so that a link
 * reproduces the view. The filters are the list's own query parameters
 * (`GET /v2/client/servers?map=…&notFull=1`): the masterserver filters, the
 * page never does.
 *
 * @module
 */

/** The view: search text, filters, and the quick-play playlist. */
export interface ViewState {
  /** Text searched in name and description (case-insensitive, by the masterserver): `q`. */
  readonly q: string;
  /** Only this map (`map`); `''` for all. */
  readonly map: string;
  /** Only this playlist (`playlist`); `''` for all. */
  readonly playlist: string;
  /** Only this game state (`gameState`); `null` for all. */
  readonly gameState: number | null;
  /** Hide servers whose players reached their maximum (`notFull`). */
  readonly notFull: boolean;
  /** Hide servers without players (`notEmpty`). */
  readonly notEmpty: boolean;
  /** Hide servers that ask for a password (`noPassword`). */
  readonly noPassword: boolean;
  /** Only servers whose game port answered the masterserver's probe (`reachable`). */
  readonly reachable: boolean;
  /** The playlist quick play asks for (`qp`, the page's own); `''` for any. */
  readonly quickPlaylist: string;
}

/** The view of a page opened without a query string: every server, as the masterserver lists them. */
export const defaultView: ViewState = {
  q: '',
  map: '',
  playlist: '',
  gameState: null,
  notFull: false,
  notEmpty: false,
  noPassword: false,
  reachable: false,
  quickPlaylist: '',
};

/** The masterserver's limits: `q` of at most 64 characters, a map or playlist of 1 to 64. */
export const TEXT_MAX = 64;

/** The yes/no filters, by their parameter name. */
const FLAGS = ['notFull', 'notEmpty', 'noPassword', 'reachable'] as const;

/** `text` cut to {@link TEXT_MAX} characters (code points). */
function clip(text: string): string {
  return text.length <= TEXT_MAX ? text : Array.from(text).slice(0, TEXT_MAX).join('');
}

/** The first value of `name` the masterserver would take (1 to 64 characters), or `''`. */
function firstName(params: URLSearchParams, name: string): string {
  for (const value of params.getAll(name)) if (value !== '' && Array.from(value).length <= TEXT_MAX) return value;
  return '';
}

/** `1`/`true` is on, as the masterserver reads it. */
function isOn(value: string | null): boolean {
  return value === '1' || value === 'true';
}

/**
 * Reads a view from a query string (`?q=…&map=…`); unknown or bad parameters
 * are left out. A repeated map, playlist or state keeps its first value (the
 * page filters by one of each). The names of older links (`full=hide`,
 * `password=hide`) still work.
 */
export function parseView(search: string): ViewState {
  const params = new URLSearchParams(search);
  const state = params.getAll('gameState').find((value) => /^-?\d{1,10}$/.test(value) && (+value | 0) === +value);
  return {
    q: clip(params.get('q') ?? ''),
    map: firstName(params, 'map'),
    playlist: firstName(params, 'playlist'),
    gameState: state === undefined ? null : Number(state),
    notFull: isOn(params.get('notFull')) || params.get('full') === 'hide',
    notEmpty: isOn(params.get('notEmpty')),
    noPassword: isOn(params.get('noPassword')) || params.get('password') === 'hide',
    reachable: isOn(params.get('reachable')),
    quickPlaylist: firstName(params, 'qp'),
  };
}

/** The filters of `view` as the list's query parameters, in a fixed order; `q` as typed, or trimmed for the API. */
function filterParams(view: ViewState, trim: boolean): URLSearchParams {
  const params = new URLSearchParams();
  const q = trim ? view.q.trim() : view.q;
  if (q !== '') params.set('q', q);
  if (view.map !== '') params.set('map', view.map);
  if (view.playlist !== '') params.set('playlist', view.playlist);
  if (view.gameState !== null) params.set('gameState', String(view.gameState));
  for (const flag of FLAGS) if (view[flag]) params.set(flag, '1');
  return params;
}

/** The query string of a view (`''` for the default view), the inverse of {@link parseView}. */
export function viewToSearch(view: ViewState): string {
  const params = filterParams(view, false);
  if (view.quickPlaylist !== '') params.set('qp', view.quickPlaylist);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The query of `GET /v2/client/servers` (and of its live stream) that asks
 * for the servers of `view`, without `?`: `''` for the whole list.
 */
export function listQuery(view: ViewState): string {
  return filterParams(view, true).toString();
}

/** True when the view narrows the list at all. */
export function isFiltered(view: ViewState): boolean {
  return listQuery(view) !== '';
}

/** `view` with its filters cleared (the quick-play playlist stays). */
export function clearFilters(view: ViewState): ViewState {
  return { ...defaultView, quickPlaylist: view.quickPlaylist };
}

/** True when a server has no free slot. */
export function isFull(server: { curPlayers: number; maxPlayers: number }): boolean {
  return server.maxPlayers > 0 && server.curPlayers >= server.maxPlayers;
}
