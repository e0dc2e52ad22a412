/**
 * Quick play: a playlist choice and a button that opens the join dialog in
 * its quick-play form (the masterserver picks the server).
 *
 * @module
 */

import type { Choice } from '../names.js';

/** Props of {@link QuickPlay}. */
export interface QuickPlayProps {
  /** The playlist chosen; `''` for any. */
  playlist: string;
  /** The playlists to choose from (display names). */
  playlists: readonly Choice[];
  onPlaylist(playlist: string): void;
  /** Opens the dialog; `opener` gets the focus back when it closes. */
  onStart(opener: HTMLElement): void;
}

/** The quick-play bar. */
export function QuickPlay({ playlist, playlists, onPlaylist, onStart }: QuickPlayProps) {
  return (
    <form
      class="quickplay"
      aria-label="Quick play"
      onSubmit={(event) => {
        event.preventDefault();
        const button = event.currentTarget.querySelector('button');
        if (button !== null) onStart(button);
      }}
    >
      <label for="qp-playlist" class="sr-only">
        Quick play playlist
      </label>
      <select id="qp-playlist" value={playlist} onChange={(e) => onPlaylist(e.currentTarget.value)}>
        <option value="">Any playlist</option>
        {playlists.map(({ value, label }) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <button type="submit" class="primary">
        Quick play
      </button>
    </form>
  );
}
