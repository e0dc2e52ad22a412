/**
 * The list of servers: one row per server with a stable key and a fixed
 * height, column headers that sort, and a join button per row. Rows whose
 * server did not change are not drawn again.
 *
 * @module
 */

import { Component, type ComponentChildren } from 'preact';
import { gameStateLabel } from '../format.js';
import type { Server } from '../types.js';
import { isFull, type SortKey, type ViewState } from '../view.js';

/** Opens the join dialog for a server; `opener` gets the focus back when it closes. */
export type JoinHandler = (serverId: string, opener: HTMLElement) => void;

const COLUMNS: ReadonlyArray<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Server' },
  { key: 'map', label: 'Map' },
  { key: 'playlist', label: 'Playlist' },
  { key: 'players', label: 'Players' },
  { key: 'state', label: 'State' },
];

function LockIcon() {
  return (
    <svg class="lock" viewBox="0 0 16 16" width="14" height="14" role="img" aria-label="Password required">
      <title>Password required</title>
      <path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zm1.5 0h4V5a2 2 0 0 0-4 0z" />
    </svg>
  );
}

interface RowProps {
  server: Server;
  onJoin: JoinHandler;
}

/** One server; drawn again only when its server object changes. */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.server !== this.props.server || next.onJoin !== this.props.onJoin;
  }

  override render() {
    const { server: s, onJoin } = this.props;
    const fill = s.maxPlayers > 0 ? Math.min(100, Math.round((s.curPlayers / s.maxPlayers) * 100)) : 0;
    const state = gameStateLabel(s.gameState);
    return (
      <tr data-id={s.id} class={isFull(s) ? 'full' : undefined}>
        <td class="c-lock">{s.hasPassword ? <LockIcon /> : null}</td>
        <td class="c-name">
          <span class="name" title={s.name}>
            {s.name}
          </span>
          <span class="desc" title={s.desc}>
            {s.desc}
          </span>
          <span class="meta">{`${s.map} · ${s.playlist} · ${state}`}</span>
        </td>
        <td class="c-map" title={s.map}>
          {s.map}
        </td>
        <td class="c-playlist" title={s.playlist}>
          {s.playlist}
        </td>
        <td class="c-players">
          {/* One text node, so that a new count does not move part of it (a layout shift). */}
          <span class="count">{`${s.curPlayers}/${s.maxPlayers}`}</span>
          <span class="bar" aria-hidden="true">
            <span class="fill" style={{ width: `${fill}%` }} />
          </span>
        </td>
        <td class="c-state">{state}</td>
        <td class="c-join">
          <button
            type="button"
            class="join"
            aria-label={`Join ${s.name}`}
            onClick={(event) => onJoin(s.id, event.currentTarget)}
          >
            Join
          </button>
        </td>
      </tr>
    );
  }
}

/** Props of {@link ServerTable}. */
export interface ServerTableProps {
  /** The rows to show, in order; `undefined` while the list is loading. */
  rows: readonly Server[] | undefined;
  /** How many servers are listed at all (for the empty-state sentence). */
  total: number;
  view: ViewState;
  /** Most rows drawn; the rest come with "Show more". */
  limit: number;
  onSort(key: SortKey): void;
  onJoin: JoinHandler;
}

/** The server list. */
export function ServerTable({ rows, total, view, limit, onSort, onJoin }: ServerTableProps) {
  let body: ComponentChildren;
  if (rows === undefined || rows.length === 0) {
    const text =
      rows === undefined
        ? 'Loading servers…'
        : total === 0
          ? 'No servers are listed right now. New ones appear here as they register.'
          : 'No server matches the search and filters.';
    body = (
      <tr class="placeholder">
        <td colSpan={7}>{text}</td>
      </tr>
    );
  } else {
    body = rows.slice(0, limit).map((server) => <Row key={server.id} server={server} onJoin={onJoin} />);
  }
  return (
    <table class="servers" aria-describedby="list-count" aria-busy={rows === undefined}>
      <caption class="sr-only">Game servers; the column headers sort the list.</caption>
      <colgroup>
        <col class="c-lock" />
        <col class="c-name" />
        <col class="c-map" />
        <col class="c-playlist" />
        <col class="c-players" />
        <col class="c-state" />
        <col class="c-join" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col" class="c-lock">
            <span class="sr-only">Password</span>
          </th>
          {COLUMNS.map(({ key, label }) => {
            const active = view.sort === key;
            return (
              <th
                key={key}
                scope="col"
                class={`c-${key}`}
                aria-sort={active ? (view.dir === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                <button type="button" class="sort" data-sort={key} onClick={() => onSort(key)}>
                  {label}
                  <span class="arrow" aria-hidden="true">
                    {active ? (view.dir === 'asc' ? '▲' : '▼') : ''}
                  </span>
                </button>
              </th>
            );
          })}
          <th scope="col" class="c-join">
            <span class="sr-only">Join</span>
          </th>
        </tr>
      </thead>
      <tbody>{body}</tbody>
    </table>
  );
}
