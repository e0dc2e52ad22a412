/**
 * The names people read for maps and playlists (`GET /v2/client/display-names`):
 * fetched once per visit and kept with its `ETag` in `localStorage`, so that a
 * later visit sends `If-None-Match` and an unchanged table costs a `304`.
 * Where the table has no name, the raw value shows.
 *
 * @module
 */

import type { DisplayNames } from './types.js';

/** The table before it arrived, or when it cannot be had: every value shows raw. */
export const NO_NAMES: DisplayNames = { maps: {}, playlists: {} };

/** Where the table and its tag are kept between visits. */
const STORED = 'ms-browser.display-names';

/** A choice of a map or playlist filter: the value sent, the name shown. */
export interface Choice {
  readonly value: string;
  readonly label: string;
}

function isNameTable(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((name) => typeof name === 'string')
  );
}

/** The table in `value`, or `undefined` when it does not have the shape of one. */
function asDisplayNames(value: unknown): DisplayNames | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { maps, playlists } = value as Record<string, unknown>;
  return isNameTable(maps) && isNameTable(playlists) ? { maps, playlists } : undefined;
}

function readStored(): { etag: string; names: DisplayNames } | undefined {
  try {
    const stored = JSON.parse(localStorage.getItem(STORED) ?? 'null') as { etag?: unknown; names?: unknown } | null;
    const names = asDisplayNames(stored?.names);
    return typeof stored?.etag === 'string' && names !== undefined ? { etag: stored.etag, names } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET /v2/client/display-names`, revalidated against the copy kept from the
 * last visit; that copy (or {@link NO_NAMES}) when the masterserver cannot be
 * reached.
 */
export async function fetchDisplayNames(base = ''): Promise<DisplayNames> {
  const stored = readStored();
  try {
    const res = await fetch(`${base}/v2/client/display-names`, {
      cache: 'no-store',
      headers: stored === undefined ? {} : { 'if-none-match': stored.etag },
    });
    if (res.status === 304 && stored !== undefined) return stored.names;
    const names = res.ok ? asDisplayNames(await res.json()) : undefined;
    if (names !== undefined) {
      const etag = res.headers.get('etag');
      try {
        if (etag !== null) localStorage.setItem(STORED, JSON.stringify({ etag, names }));
      } catch {
        // storage may be full or disabled: the table is fetched whole next time
      }
      return names;
    }
  } catch {
    // offline: the kept copy, if any
  }
  return stored?.names ?? NO_NAMES;
}

/** The name of `value` in `table`, or `value` itself where the table has none. */
export function displayName(table: Readonly<Record<string, string>>, value: string): string {
  return Object.hasOwn(table, value) ? (table[value] as string) : value;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/**
 * The choices of a map or playlist filter: every value the table names, the
 * values seen in the list, and `keep` (the current one), sorted by the name shown.
 */
export function choices(table: Readonly<Record<string, string>>, seen: Iterable<string>, keep: string): Choice[] {
  const values = new Set(Object.keys(table));
  for (const value of seen) values.add(value);
  if (keep !== '') values.add(keep);
  return [...values]
    .map((value) => ({ value, label: displayName(table, value) }))
    .sort((a, b) => collator.compare(a.label, b.label) || collator.compare(a.value, b.value));
}
