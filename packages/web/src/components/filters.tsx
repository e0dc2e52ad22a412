/**
 * The search box and the filters. Every change goes straight into the view
 * (and so into the URL).
 *
 * @module
 */

import type { Server } from '../types.js';
import { defaultView, distinctValues, type ViewState } from '../view.js';

/** Props of {@link Filters}. */
export interface FiltersProps {
  view: ViewState;
  /** Every listed server (the choices of the map and playlist filters). */
  servers: readonly Server[];
  onChange(view: ViewState): void;
}

/** True when the view narrows the list at all. */
function isFiltered(view: ViewState): boolean {
  return (
    view.q !== defaultView.q ||
    view.map !== defaultView.map ||
    view.playlist !== defaultView.playlist ||
    view.hideFull !== defaultView.hideFull ||
    view.hidePassworded !== defaultView.hidePassworded
  );
}

/** The search and filter bar. */
export function Filters({ view, servers, onChange }: FiltersProps) {
  const maps = distinctValues(servers, 'map', view.map);
  const playlists = distinctValues(servers, 'playlist', view.playlist);
  return (
    <search aria-label="Search and filter servers">
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field search">
          <label for="f-q">Search</label>
          <input
            id="f-q"
            type="search"
            value={view.q}
            placeholder="Name, description, map, playlist"
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => onChange({ ...view, q: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="f-map">Map</label>
          <select id="f-map" value={view.map} onChange={(e) => onChange({ ...view, map: e.currentTarget.value })}>
            <option value="">All maps</option>
            {maps.map((map) => (
              <option key={map} value={map}>
                {map}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-playlist">Playlist</label>
          <select
            id="f-playlist"
            value={view.playlist}
            onChange={(e) => onChange({ ...view, playlist: e.currentTarget.value })}
          >
            <option value="">All playlists</option>
            {playlists.map((playlist) => (
              <option key={playlist} value={playlist}>
                {playlist}
              </option>
            ))}
          </select>
        </div>
        <div class="checks">
          <label class="check">
            <input
              id="f-full"
              type="checkbox"
              checked={view.hideFull}
              onChange={(e) => onChange({ ...view, hideFull: e.currentTarget.checked })}
            />
            Hide full
          </label>
          <label class="check">
            <input
              id="f-password"
              type="checkbox"
              checked={view.hidePassworded}
              onChange={(e) => onChange({ ...view, hidePassworded: e.currentTarget.checked })}
            />
            Hide passworded
          </label>
          <button
            type="button"
            class="clear"
            disabled={!isFiltered(view)}
            onClick={() => onChange({ ...defaultView, sort: view.sort, dir: view.dir })}
          >
            Clear
          </button>
        </div>
      </form>
    </search>
  );
}
