/**
 * The list of servers, virtualised: the table is as tall as every row that
 * matches, but only the rows in view (and a few around them) are in the DOM,
 * between two spacer rows. Rows have one fixed height; each is keyed by its
 * position, so scrolling and updates change the text of rows in place and
 * move none. A row whose server did not change is not drawn again; a row
 * whose page is not held yet shows "Loading…" at the same height.
 *
 * @module
 */

import { Component, type ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { gameStateLabel } from '../format.js';
import type { ListState } from '../list.js';
import { displayName } from '../names.js';
import type { DisplayNames, Server } from '../types.js';
import { isFull } from '../view.js';

/** Opens the join dialog for a server; `opener` gets the focus back when it closes. */
export type JoinHandler = (serverId: string, opener: HTMLElement) => void;

/** Rows drawn beyond each edge of the screen, so a short scroll shows drawn rows. */
const OVERSCAN = 8;
/** The height of a row before one is measured (the stylesheet's `--row` and a border). */
const DEFAULT_ROW_PX = 57;
/** The columns: class, header, and whether the header is for screen readers only. */
const HEADERS: ReadonlyArray<readonly [string, string, boolean]> = [
  ['c-lock', 'Password', true],
  ['c-name', 'Server', false],
  ['c-map', 'Map', false],
  ['c-playlist', 'Playlist', false],
  ['c-players', 'Players', false],
  ['c-state', 'State', false],
  ['c-reach', 'Reachability', false],
  ['c-join', 'Join', true],
];
const COLUMNS = HEADERS.length;

/** The reachability badge: its text, and its accessible name (also its tooltip). */
const REACH = {
  yes: { text: 'Reachable', label: 'Reachable: the game port answered the masterserver’s probe' },
  no: { text: 'Unreachable', label: 'Unreachable: the game port did not answer the masterserver’s probe' },
  checking: { text: 'Checking', label: 'Checking: not known yet whether the game port can be reached' },
  off: { text: 'Not checked', label: 'Not checked: this masterserver does not probe game ports' },
} as const;

/** The badge's kind for a server's `reachable`; `probing`: whether the masterserver probes at all. */
export function reachKind(reachable: boolean | null, probing = true): keyof typeof REACH {
  if (!probing) return 'off';
  return reachable === true ? 'yes' : reachable === false ? 'no' : 'checking';
}

function LockIcon() {
  return (
    <svg class="lock" viewBox="0 0 16 16" width="14" height="14" role="img" aria-label="Password required">
      <title>Password required</title>
      <path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zm1.5 0h4V5a2 2 0 0 0-4 0z" />
    </svg>
  );
}

interface RowProps {
  /** The position in the list (0 first). */
  index: number;
  /** `undefined` while its page is being fetched. */
  server: Server | undefined;
  names: DisplayNames;
  onJoin: JoinHandler;
  /** Whether the masterserver probes game ports (else every badge says "Not checked"). */
  probing: boolean;
}

/** One server; drawn again only when its server object (or the names) change. */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const now = this.props;
    return (
      next.server !== now.server ||
      next.names !== now.names ||
      next.onJoin !== now.onJoin ||
      next.index !== now.index ||
      next.probing !== now.probing
    );
  }

  override render() {
    const { server: s, index, names, onJoin, probing } = this.props;
    if (s === undefined) {
      return (
        <tr class="row pending" aria-rowindex={index + 2}>
          <td colSpan={COLUMNS}>Loading…</td>
        </tr>
      );
    }
    const fill = s.maxPlayers > 0 ? Math.min(100, Math.round((s.curPlayers / s.maxPlayers) * 100)) : 0;
    const state = gameStateLabel(s.gameState);
    const map = displayName(names.maps, s.map);
    const playlist = displayName(names.playlists, s.playlist);
    const kind = reachKind(s.reachable, probing);
    const reach = REACH[kind];
    return (
      <tr data-id={s.id} class={isFull(s) ? 'row full' : 'row'} aria-rowindex={index + 2}>
        <td class="c-lock">{s.hasPassword ? <LockIcon /> : null}</td>
        <td class="c-name">
          <span class="name" title={s.name}>
            {s.name}
          </span>
          <span class="desc" title={s.desc}>
            {s.desc}
          </span>
          <span class="meta">{`${map} · ${playlist} · ${state} · ${reach.text}`}</span>
        </td>
        <td class="c-map" title={s.map}>
          {map}
        </td>
        <td class="c-playlist" title={s.playlist}>
          {playlist}
        </td>
        <td class="c-players">
          {/* One text node, so that a new count does not move part of it (a layout shift). */}
          <span class="count">{`${s.curPlayers}/${s.maxPlayers}`}</span>
          <span class="bar" aria-hidden="true">
            <span class="fill" style={{ width: `${fill}%` }} />
          </span>
        </td>
        <td class="c-state">{state}</td>
        <td class="c-reach">
          <span class="reach" data-reach={kind} role="img" aria-label={reach.label} title={reach.label}>
            {reach.text}
          </span>
        </td>
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
  /** The list; `undefined` while it loads. */
  list: ListState | undefined;
  /** Whether the view filters the list (for the sentence of an empty list). */
  filtered: boolean;
  names: DisplayNames;
  /** The rows `first`…`last` are drawn (those in view and a few around). */
  onRange(first: number, last: number): void;
  onJoin: JoinHandler;
  /** Whether the masterserver probes game ports (`GET /v2/client/config`). */
  probing: boolean;
}

interface Range {
  first: number;
  last: number;
}

/** The server list. */
export function ServerTable({ list, filtered, names, onRange, onJoin, probing }: ServerTableProps) {
  const body = useRef<HTMLTableSectionElement>(null);
  const rowPx = useRef(DEFAULT_ROW_PX);
  const [px, setPx] = useState(DEFAULT_ROW_PX);
  const total = list?.total ?? 0;
  const totalRef = useRef(total);
  totalRef.current = total;
  const [range, setRange] = useState<Range>({ first: 0, last: 2 * OVERSCAN });

  /** The rows in view, from where the list's body is on the screen. */
  const place = useRef(() => {
    const tbody = body.current;
    if (tbody === null) return;
    const drawn = tbody.querySelector('tr.row');
    const measured = drawn?.getBoundingClientRect().height ?? 0;
    if (measured > 0 && measured !== rowPx.current) {
      rowPx.current = measured;
      setPx(measured);
    }
    const height = rowPx.current;
    const top = tbody.getBoundingClientRect().top;
    const end = Math.max(0, totalRef.current - 1);
    const first = Math.min(end, Math.max(0, Math.floor(-top / height) - OVERSCAN));
    const last = Math.min(end, Math.max(first, Math.ceil((innerHeight - top) / height) + OVERSCAN));
    setRange((r) => (r.first === first && r.last === last ? r : { first, last }));
  }).current;

  useEffect(() => {
    let frame = 0;
    const onScroll = (): void => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          place();
        });
    };
    addEventListener('scroll', onScroll, { passive: true });
    addEventListener('resize', onScroll, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      removeEventListener('scroll', onScroll);
      removeEventListener('resize', onScroll);
    };
  }, [place]);

  // A new total (or the first rows, whose height is measured) can change which rows are in view.
  useLayoutEffect(place, [total, list === undefined]);
  useEffect(() => onRange(range.first, range.last), [range, onRange]);

  let rows: ComponentChildren;
  if (list === undefined || total === 0) {
    const text =
      list === undefined
        ? 'Loading servers…'
        : (list.refused ??
          (filtered
            ? 'No server matches the search and filters.'
            : 'No servers are listed right now. New ones appear here as they register.'));
    rows = (
      <tr class="placeholder">
        <td colSpan={COLUMNS}>{text}</td>
      </tr>
    );
  } else {
    const first = Math.min(range.first, total - 1);
    const last = Math.min(range.last, total - 1);
    const drawn = [];
    for (let index = first; index <= last; index++)
      drawn.push(
        <Row key={index} index={index} server={list.at(index)} names={names} onJoin={onJoin} probing={probing} />,
      );
    rows = (
      <>
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: a spacer row holds nothing, focusable or not: it only takes the height of the rows not drawn */}
        <tr class="spacer" aria-hidden="true">
          <td colSpan={COLUMNS} style={{ height: `${first * px}px` }} />
        </tr>
        {drawn}
        {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: as above */}
        <tr class="spacer" aria-hidden="true">
          <td colSpan={COLUMNS} style={{ height: `${(total - 1 - last) * px}px` }} />
        </tr>
      </>
    );
  }
  return (
    <table
      class="servers"
      aria-describedby="list-count"
      aria-busy={list === undefined}
      aria-rowcount={list === undefined ? -1 : total + 1}
    >
      <caption class="sr-only">Game servers, most players first.</caption>
      <colgroup>
        {HEADERS.map(([column]) => (
          <col key={column} class={column} />
        ))}
      </colgroup>
      <thead>
        <tr aria-rowindex={1}>
          {HEADERS.map(([column, label, hidden]) => (
            <th key={column} scope="col" class={column}>
              {hidden ? <span class="sr-only">{label}</span> : label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody ref={body}>{rows}</tbody>
    </table>
  );
}
