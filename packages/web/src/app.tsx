/**
 * The server browser page: quick play, the list with its search and filters
 * (asked of the masterserver and kept in the URL), the history chart and the
 * join dialog.
 *
 * @module
 */

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { fetchConfig, fetchHistory } from './api.js';
import { appendSample, mergeSamples } from './chart.js';
import { Filters } from './components/filters.js';
import { HistoryChart } from './components/history-chart.js';
import { JoinDialog, type JoinTarget } from './components/join-dialog.js';
import { QuickPlay } from './components/quick-play.js';
import { type JoinHandler, ServerTable } from './components/server-table.js';
import { plural } from './format.js';
import { connectList, type ListConnection, type ListState, type LiveStatus } from './list.js';
import { choices, fetchDisplayNames, NO_NAMES } from './names.js';
import type { DisplayNames, PlayerAuth, Sample } from './types.js';
import { listQuery, parseView, type ViewState, viewToSearch } from './view.js';

/** How long typing rests before the search goes to the masterserver, in ms. */
const TYPING_MS = 150;

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Updating every 2 s',
  offline: 'Reconnecting…',
};

interface HistoryState {
  samples: readonly Sample[];
  windowMs: number;
  intervalMs: number;
}

/** `value`, once it stopped changing for `ms` (at once for the first value). */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (value === settled) return;
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, settled, ms]);
  return settled;
}

/** The page. */
export function App() {
  const [view, setView] = useState<ViewState>(() => parseView(location.search));
  const [list, setList] = useState<ListState | undefined>(undefined);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [stats, setStats] = useState<HistoryState>({ samples: [], windowMs: 3_600_000, intervalMs: 5000 });
  const [playerAuth, setPlayerAuth] = useState<PlayerAuth>('none');
  /** Whether the masterserver probes game ports (an older one does not say: it is taken to). */
  const [probing, setProbing] = useState(true);
  const [names, setNames] = useState<DisplayNames>(NO_NAMES);
  /** What the dialog joins, and the button that opened it. */
  const [joining, setJoining] = useState<JoinTarget | undefined>(undefined);
  const opener = useRef<HTMLElement | null>(null);
  const searchBox = useRef<HTMLElement | null>(null);
  const connection = useRef<ListConnection | undefined>(undefined);
  const range = useRef({ first: 0, last: 0 });
  const query = useSettled(listQuery(view), TYPING_MS);
  const firstQuery = useRef(query);

  useEffect(() => {
    const live = connectList(query, {
      list: setList,
      sample: (sample) => setStats((h) => ({ ...h, samples: appendSample(h.samples, sample, h.windowMs) })),
      status: setStatus,
    });
    live.show(range.current.first, range.current.last);
    connection.current = live;
    // Another filter starts at the top of its list, not somewhere down the last one.
    if (query !== firstQuery.current) {
      const top = document.querySelector('.table-wrap')?.getBoundingClientRect().top ?? 0;
      if (top < 0) scrollBy(0, top);
    }
    return () => live.close();
  }, [query]);
  const onRange = useCallback((first: number, last: number) => {
    range.current = { first, last };
    connection.current?.show(first, last);
  }, []);

  const loadHistory = useCallback(async () => {
    const fetched = await fetchHistory();
    if (fetched === undefined) return;
    setStats((h) => ({
      windowMs: fetched.windowMs,
      intervalMs: fetched.intervalMs,
      samples: mergeSamples(fetched.samples, h.samples, fetched.windowMs),
    }));
  }, []);
  useEffect(() => {
    void fetchConfig().then((config) => {
      setPlayerAuth(config.playerAuth);
      setProbing(config.reachability !== 'off');
    });
    void fetchDisplayNames().then(setNames);
    void loadHistory();
    searchBox.current = document.getElementById('f-q');
  }, [loadHistory]);
  // Without the stream no samples arrive: the history is fetched again as often as it grows.
  const polling = status === 'polling';
  useEffect(() => {
    if (!polling) return;
    const timer = setInterval(() => void loadHistory(), stats.intervalMs);
    return () => clearInterval(timer);
  }, [polling, stats.intervalMs, loadHistory]);

  // The view lives in the URL: replaced (not pushed) on every change, and read back on back/forward.
  useLayoutEffect(() => {
    const search = viewToSearch(view);
    if (search !== location.search) window.history.replaceState(null, '', search === '' ? location.pathname : search);
  }, [view]);
  useEffect(() => {
    const onPop = (): void => setView(parseView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const { maps, playlists, quickPlaylists } = useMemo(() => {
    const seenMaps = new Set<string>();
    const seenPlaylists = new Set<string>();
    for (const server of list?.held() ?? []) {
      seenMaps.add(server.map);
      seenPlaylists.add(server.playlist);
    }
    return {
      maps: choices(names.maps, seenMaps, view.map),
      playlists: choices(names.playlists, seenPlaylists, view.playlist),
      quickPlaylists: choices(names.playlists, seenPlaylists, view.quickPlaylist),
    };
  }, [list, names, view.map, view.playlist, view.quickPlaylist]);

  const listRef = useRef(list);
  listRef.current = list;
  const onJoin = useCallback<JoinHandler>((id, button) => {
    const server = listRef.current?.find(id);
    if (server === undefined) return;
    opener.current = button;
    setJoining({ kind: 'server', server, gone: false });
  }, []);
  const onQuickPlay = useCallback((button: HTMLElement) => {
    opener.current = button;
    setJoining({ kind: 'quickplay', playlist: '' });
  }, []);
  const onDialogClose = useCallback(() => {
    setJoining(undefined);
    // Back to the button that opened it, or to the search box when that row is gone.
    const button = opener.current;
    (button?.isConnected ? button : searchBox.current)?.focus();
  }, []);
  const lookup = useCallback((id: string) => listRef.current?.find(id), []);

  let target = joining;
  if (joining?.kind === 'server') {
    // The server as the list shows it now; "gone" only where the page holds every match.
    const now = list?.find(joining.server.id);
    target = { kind: 'server', server: now ?? joining.server, gone: now === undefined && list?.mode === 'live' };
  } else if (joining?.kind === 'quickplay') {
    target = { kind: 'quickplay', playlist: view.quickPlaylist };
  }

  const filtered = query !== '';
  const latest = stats.samples.at(-1);
  // Totals from the list itself where it holds every listed server; otherwise the latest sample.
  const current =
    list?.mode === 'live' && !filtered && list.players !== undefined
      ? { players: list.players, servers: list.total ?? 0 }
      : latest === undefined
        ? undefined
        : { players: latest.players, servers: latest.servers };
  const total = list?.total ?? 0;

  return (
    <>
      <header class="top">
        <h1>Server browser</h1>
        <QuickPlay
          playlist={view.quickPlaylist}
          playlists={quickPlaylists}
          onPlaylist={(quickPlaylist) => setView((v) => ({ ...v, quickPlaylist }))}
          onStart={onQuickPlay}
        />
        <p class="live" data-status={status} role="status">
          <span class="dot" aria-hidden="true" />
          {STATUS_TEXT[status]}
        </p>
      </header>
      <main>
        <HistoryChart
          samples={stats.samples}
          current={current}
          windowMs={stats.windowMs}
          intervalMs={stats.intervalMs}
          now={latest?.t ?? Date.now()}
        />
        <Filters view={view} maps={maps} playlists={playlists} onChange={setView} probing={probing} />
        <p id="list-count" class="list-count">
          {list === undefined
            ? 'Loading…'
            : list.refused !== undefined
              ? 'No list: the filters were refused'
              : filtered
                ? plural(total, 'server matches', 'servers match')
                : plural(total, 'server', 'servers')}
        </p>
        <div class="table-wrap">
          <ServerTable
            list={list}
            filtered={filtered}
            names={names}
            onRange={onRange}
            onJoin={onJoin}
            probing={probing}
          />
        </div>
      </main>
      {target === undefined ? null : (
        <JoinDialog
          key={target.kind === 'server' ? target.server.id : 'quickplay'}
          target={target}
          playerAuth={playerAuth}
          names={names}
          lookup={lookup}
          onClose={onDialogClose}
        />
      )}
    </>
  );
}
