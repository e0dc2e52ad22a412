/**
 * Texts that many game servers share, kept once: the address of a host that
 * runs several servers, and the names of maps and playlists (a game has a few
 * dozen). A listing refers to the shared copy instead of holding its own, so
 * the heap, and what each mark-compact marks, does not grow with the number
 * of servers that show the same text.
 *
 * @module
 */

/** A bounded table of shared texts. */
export class Interned {
  readonly #texts = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxLength: number;

  /** Keeps at most `maxEntries` texts, each of at most `maxLength` characters (longer ones are not shared). */
  constructor(maxEntries = 4096, maxLength = 64) {
    this.#maxEntries = maxEntries;
    this.#maxLength = maxLength;
  }

  /** How many texts are kept. */
  get size(): number {
    return this.#texts.size;
  }

  /**
   * The shared copy of `text` (equal to it), kept from now on if it was not. When the table is full it starts
   * over: texts already shared stay shared where they are held, and whatever filled it (ever-new names) cannot
   * keep the usual ones out for long.
   */
  of(text: string): string {
    if (text.length > this.#maxLength) return text;
    const known = this.#texts.get(text);
    if (known !== undefined) return known;
    if (this.#texts.size >= this.#maxEntries) this.#texts.clear();
    // A copy of its own: `text` may be a slice of a longer string (a message, a header) that it would keep alive.
    const own = JSON.parse(JSON.stringify(text)) as string;
    this.#texts.set(own, own);
    return own;
  }
}

/** The process's table: every gateway and registry shares the same texts. */
export const interned = new Interned();
