/**
 * The search box and the filters. Every change goes straight into the view
 * (and so into the URL, and into the masterserver's query).
 *
 * @module
 */

import { GAME_STATES, gameStateLabel } from '../format.js';
import type { Choice } from '../names.js';
import { clearFilters, isFiltered, TEXT_MAX, type ViewState } from '../view.js';

/** Props of {@link Filters}. */
export interface FiltersProps {
  view: ViewState;
  /** The choices of the map filter (display names, and raw values the table does not name). */
  maps: readonly Choice[];
  /** The choices of the playlist filter. */
  playlists: readonly Choice[];
  onChange(view: ViewState): void;
  /** Whether the masterserver probes game ports: without, there is no "Reachable only". */
  probing: boolean;
}

/** The yes/no filters: the view's field, the checkbox's id and label. */
const CHECKS = [
  { field: 'notFull', id: 'f-full', label: 'Hide full' },
  { field: 'notEmpty', id: 'f-empty', label: 'Hide empty' },
  { field: 'noPassword', id: 'f-password', label: 'Hide passworded' },
  { field: 'reachable', id: 'f-reachable', label: 'Reachable only' },
] as const;

function Options({ choices }: { choices: readonly Choice[] }) {
  return (
    <>
      {choices.map(({ value, label }) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  );
}

/** The search and filter bar. */
export function Filters({ view, maps, playlists, onChange, probing }: FiltersProps) {
  const states = GAME_STATES.map((_, state) => state);
  if (view.gameState !== null && !states.includes(view.gameState)) states.push(view.gameState);
  return (
    <search aria-label="Search and filter servers">
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field search">
          <label for="f-q">Search</label>
          <input
            id="f-q"
            type="search"
            value={view.q}
            placeholder="Name or description"
            autocomplete="off"
            spellcheck={false}
            maxLength={TEXT_MAX}
            onInput={(e) => onChange({ ...view, q: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="f-map">Map</label>
          <select id="f-map" value={view.map} onChange={(e) => onChange({ ...view, map: e.currentTarget.value })}>
            <option value="">All maps</option>
            <Options choices={maps} />
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
            <Options choices={playlists} />
          </select>
        </div>
        <div class="field">
          <label for="f-state">State</label>
          <select
            id="f-state"
            value={view.gameState === null ? '' : String(view.gameState)}
            onChange={(e) => {
              const value = e.currentTarget.value;
              onChange({ ...view, gameState: value === '' ? null : Number(value) });
            }}
          >
            <option value="">Any state</option>
            {states.map((state) => (
              <option key={state} value={String(state)}>
                {gameStateLabel(state)}
              </option>
            ))}
          </select>
        </div>
        <div class="checks">
          {CHECKS.filter(({ field }) => probing || field !== 'reachable').map(({ field, id, label }) => (
            <label class="check" key={id}>
              <input
                id={id}
                type="checkbox"
                checked={view[field]}
                onChange={(e) => onChange({ ...view, [field]: e.currentTarget.checked })}
              />
              {label}
            </label>
          ))}
          <button type="button" class="clear" disabled={!isFiltered(view)} onClick={() => onChange(clearFilters(view))}>
            Clear
          </button>
        </div>
      </form>
    </search>
  );
}
