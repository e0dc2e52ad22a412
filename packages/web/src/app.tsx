/**
 * The server browser page: the live list with its search, filters and sort
 * (kept in the URL), the history chart and the join dialog.
 *
 * @module
 */

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { fetchConfig, fetchHistory } from './api.js';
import { appendSample, mergeSamples } from './chart.js';
import { Filters } from './components/filters.js';
import { HistoryChart } from './components/history-chart.js';
import { JoinDialog } from './components/join-dialog.js';
import { type JoinHandler, ServerTable } from './components/server-table.js';
import { formatCount, plural } from './format.js';
import { connectLive, type LiveStatus } from './live.js';
import type { PlayerAuth, Sample, Server } from './types.js';
import { parseView, type SortKey, toggleSort, type ViewState, viewToSearch, visibleServers } from './view.js';

/** Rows drawn at first, and added by each "Show more". */
const PAGE_ROWS = 200;

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

/** The page. */
export function App() {
  const [view, setView] = useState<ViewState>(() => parseView(location.search));
  const [servers, setServers] = useState<readonly Server[] | undefined>(undefined);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [stats, setStats] = useState<HistoryState>({ samples: [], windowMs: 3_600_000, intervalMs: 5000 });
  const [playerAuth, setPlayerAuth] = useState<PlayerAuth>('none');
  const [limit, setLimit] = useState(PAGE_ROWS);
  /** The server being joined, as last seen, and the button that opened the dialog. */
  const [joining, setJoining] = useState<Server | undefined>(undefined);
  const opener = useRef<HTMLElement | null>(null);
  const searchBox = useRef<HTMLElement | null>(null);

  useEffect(
    () =>
      connectLive({
        list: (map) => setServers(map.list),
        sample: (sample) => setStats((h) => ({ ...h, samples: appendSample(h.samples, sample, h.windowMs) })),
        status: setStatus,
      }),
    [],
  );

  useEffect(() => {
    void fetchConfig().then((config) => setPlayerAuth(config.playerAuth));
    void fetchHistory().then((fetched) => {
      if (fetched === undefined) return;
      setStats((h) => ({
        windowMs: fetched.windowMs,
        intervalMs: fetched.intervalMs,
        samples: mergeSamples(fetched.samples, h.samples, fetched.windowMs),
      }));
    });
    searchBox.current = document.getElementById('f-q');
  }, []);

  // The view lives in the URL: replaced (not pushed) on every change, in the same frame as the
  // rows it describes, and read back on back/forward.
  useLayoutEffect(() => {
    const search = viewToSearch(view);
    if (search !== location.search) window.history.replaceState(null, '', search === '' ? location.pathname : search);
  }, [view]);
  useEffect(() => {
    const onPop = (): void => setView(parseView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const rows = useMemo(() => (servers === undefined ? undefined : visibleServers(servers, view)), [servers, view]);
  const players = useMemo(() => (servers ?? []).reduce((sum, s) => sum + s.curPlayers, 0), [servers]);

  const onSort = useCallback((key: SortKey) => setView((v) => toggleSort(v, key)), []);
  const serversRef = useRef(servers);
  serversRef.current = servers;
  const onJoin = useCallback<JoinHandler>((id, button) => {
    const server = serversRef.current?.find((s) => s.id === id);
    if (server === undefined) return;
    opener.current = button;
    setJoining(server);
  }, []);
  const onDialogClose = useCallback(() => {
    setJoining(undefined);
    // Back to the row's button, or to the search box when that row is gone.
    const button = opener.current;
    (button?.isConnected ? button : searchBox.current)?.focus();
  }, []);

  const live = joining === undefined ? undefined : servers?.find((s) => s.id === joining.id);
  const total = servers?.length ?? 0;
  const shown = rows?.length ?? 0;

  return (
    <>
      <header class="top">
        <h1>Server browser</h1>
        <p class="live" data-status={status} role="status">
          <span class="dot" aria-hidden="true" />
          {STATUS_TEXT[status]}
        </p>
      </header>
      <main>
        <HistoryChart
          samples={stats.samples}
          current={servers === undefined ? undefined : { players, servers: total }}
          windowMs={stats.windowMs}
          intervalMs={stats.intervalMs}
          now={stats.samples.at(-1)?.t ?? Date.now()}
        />
        <Filters view={view} servers={servers ?? []} onChange={setView} />
        <p id="list-count" class="list-count">
          {rows === undefined
            ? 'Loading…'
            : shown === total
              ? `Showing all ${plural(total, 'server', 'servers')}`
              : `Showing ${formatCount(shown)} of ${plural(total, 'server', 'servers')}`}
        </p>
        <div class="table-wrap">
          <ServerTable rows={rows} total={total} view={view} limit={limit} onSort={onSort} onJoin={onJoin} />
        </div>
        {shown > limit ? (
          <button type="button" class="more" onClick={() => setLimit((l) => l + PAGE_ROWS)}>
            Show {formatCount(Math.min(PAGE_ROWS, shown - limit))} more ({formatCount(shown - limit)} not shown)
          </button>
        ) : null}
      </main>
      {joining === undefined ? null : (
        <JoinDialog
          key={joining.id}
          server={live ?? joining}
          gone={servers !== undefined && live === undefined}
          playerAuth={playerAuth}
          onClose={onDialogClose}
        />
      )}
    </>
  );
}
