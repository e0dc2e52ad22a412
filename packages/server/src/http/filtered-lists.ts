/**
 * The answers to filtered and paged queries of the list: made from the
 * current {@link ListSnapshot}, kept (bounded) until the list changes, and
 * served like the whole list from their compressed buffers.
 *
 * A new query costs time in proportion to the servers it can match: the
 * snapshot's servers are indexed by map, playlist and game state (each index
 * made once per snapshot, when a query first needs it), and a query that names
 * any of them looks only at the servers the smallest of those indexes gives.
 *
 * @module
 */

import type { ListedServer } from '../registry/registry.js';
import { weakEtag } from './cached-body.js';
import { type ListFilter, type ListQuery, matchesFilter } from './list-query.js';
import { ListAnswer, type ListSnapshot } from './server-list.js';

/** Options of {@link FilteredLists}. */
export interface FilteredListsOptions {
  /** Most answers kept at once. Default `4096`. */
  maxEntries?: number;
  /**
   * About how many bytes the kept answers may take (each counted as twice its JSON, for its compressed
   * variants and headers, plus its key); the oldest are dropped beyond. Default 64 MiB.
   */
  maxBytes?: number;
}

const NONE: readonly number[] = [];

/** The fields the list is indexed by. */
type IndexedField = 'map' | 'playlist' | 'gameState';

/** Positions (in list order) of a snapshot's servers by the value of one of their fields. */
class FieldIndex {
  readonly #positions = new Map<string | number, number[]>();

  constructor(servers: readonly ListedServer[], field: IndexedField) {
    for (let i = 0; i < servers.length; i++) {
      const value = (servers[i] as ListedServer)[field];
      const list = this.#positions.get(value);
      if (list === undefined) this.#positions.set(value, [i]);
      else list.push(i);
    }
  }

  /** How many servers have any of `values`. */
  count(values: ReadonlySet<string | number>): number {
    let total = 0;
    for (const value of values) total += this.#positions.get(value)?.length ?? 0;
    return total;
  }

  /** The positions of the servers with any of `values`, in list order. */
  lookup(values: ReadonlySet<string | number>): readonly number[] {
    if (values.size === 1) {
      for (const value of values) return this.#positions.get(value) ?? NONE;
    }
    const merged: number[] = [];
    for (const value of values) {
      const list = this.#positions.get(value);
      if (list !== undefined) for (const position of list) merged.push(position);
    }
    return merged.sort((a, b) => a - b);
  }
}

/** The indexes of one snapshot, each made when a query first needs it. */
class SnapshotIndex {
  readonly snapshot: ListSnapshot;
  readonly #fields = new Map<IndexedField, FieldIndex>();

  constructor(snapshot: ListSnapshot) {
    this.snapshot = snapshot;
  }

  /** The positions of the servers that pass `filter`, in list order. */
  matching(filter: ListFilter): number[] {
    const servers = this.snapshot.servers;
    // The candidates: the servers of the smallest index the filter names (all of them when it names none).
    let candidates: readonly number[] | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const [field, values] of [
      ['map', filter.maps],
      ['playlist', filter.playlists],
      ['gameState', filter.gameStates],
    ] as const) {
      if (values === undefined) continue;
      const index = this.#field(field);
      const count = index.count(values);
      if (count < fewest) {
        fewest = count;
        candidates = index.lookup(values);
      }
    }
    const matched: number[] = [];
    if (candidates === undefined) {
      for (let i = 0; i < servers.length; i++) if (matchesFilter(servers[i] as ListedServer, filter)) matched.push(i);
    } else {
      for (const i of candidates) if (matchesFilter(servers[i] as ListedServer, filter)) matched.push(i);
    }
    return matched;
  }

  #field(field: IndexedField): FieldIndex {
    let index = this.#fields.get(field);
    if (index === undefined) {
      index = new FieldIndex(this.snapshot.servers, field);
      this.#fields.set(field, index);
    }
    return index;
  }
}

/** Answers queries of the list from its snapshots, keeping the answers to each snapshot's queries. */
export class FilteredLists {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #index: SnapshotIndex | undefined;
  /** The kept answers of the snapshot of {@link #index}, oldest first, with what each counts against the bound. */
  readonly #answers = new Map<string, { answer: ListAnswer; bytes: number }>();
  #bytes = 0;

  constructor(options: FilteredListsOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 4096;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** How many answers are kept, and about how many bytes they take (see {@link FilteredListsOptions.maxBytes}). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#answers.size, bytes: this.#bytes };
  }

  /** The answer to `query` (whose {@link ListQuery.key} is not empty) from `snapshot`. */
  answer(snapshot: ListSnapshot, query: ListQuery): ListAnswer {
    let index = this.#index;
    if (index === undefined || index.snapshot !== snapshot) {
      index = new SnapshotIndex(snapshot);
      this.#index = index;
      this.#answers.clear();
      this.#bytes = 0;
    }
    const kept = this.#answers.get(query.key);
    if (kept !== undefined) return kept.answer;
    const matched = index.matching(query);
    const end = query.limit === undefined ? matched.length : Math.min(matched.length, query.offset + query.limit);
    const parts: string[] = [];
    for (let i = query.offset; i < end; i++) parts.push((snapshot.servers[matched[i] as number] as ListedServer).json);
    const body = Buffer.from(`[${parts.join(',')}]`);
    // The total is part of the tag: a page can stay the same while the number of matches changes.
    const answer = new ListAnswer(body, matched.length, weakEtag(body, `\n${matched.length}`));
    this.#keep(query.key, answer);
    return answer;
  }

  #keep(key: string, answer: ListAnswer): void {
    const bytes = 2 * answer.body.length + 2 * key.length + 1024;
    this.#answers.set(key, { answer, bytes });
    this.#bytes += bytes;
    for (const [oldest, { bytes: freed }] of this.#answers) {
      if (this.#answers.size <= 1 || (this.#answers.size <= this.#maxEntries && this.#bytes <= this.#maxBytes)) break;
      this.#answers.delete(oldest);
      this.#bytes -= freed;
    }
  }
}
