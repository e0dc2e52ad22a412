/**
 * The answers to filtered and paged queries of the list: made from the
 * current {@link ListSnapshot}, kept (bounded) until the list changes, and
 * served like the whole list from their compressed buffers.
 *
 * A new query costs time in proportion to the servers it can match, from the
 * snapshot's index.
 *
 * @module
 */

import type { ListedServer } from '../registry/registry.js';
import { weakEtag } from './cached-body.js';
import type { ListQuery } from './list-query.js';
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

/** Answers queries of the list from its snapshots, keeping the answers to each snapshot's queries. */
export class FilteredLists {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #snapshot: ListSnapshot | undefined;
  /** The kept answers of {@link #snapshot}, oldest first, with what each counts against the bound. */
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
    if (this.#snapshot !== snapshot) {
      this.#snapshot = snapshot;
      this.#answers.clear();
      this.#bytes = 0;
    }
    const kept = this.#answers.get(query.key);
    if (kept !== undefined) return kept.answer;
    const end = query.limit === undefined ? Number.POSITIVE_INFINITY : query.offset + query.limit;
    const { total, positions } = snapshot.index.matching(query, query.offset, end);
    const parts = new Array<string>(positions.length);
    for (let i = 0; i < positions.length; i++)
      parts[i] = (snapshot.servers[positions[i] as number] as ListedServer).json;
    const body = Buffer.from(`[${parts.join(',')}]`);
    // The total is part of the tag: a page can stay the same while the number of matches changes.
    const answer = new ListAnswer(body, total, weakEtag(body, `\n${total}`));
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
