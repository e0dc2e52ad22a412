/**
 * Words and numbers as the page shows them.
 *
 * @module
 */

/**
 * Labels of `gameState`, after Titanfall 2's `eGameState` (the protocol
 * carries the number only); other values show as the number.
 */
export const GAME_STATES: readonly string[] = [
  'Waiting',
  'Waiting for players',
  'Picking loadouts',
  'Starting',
  'Playing',
  'Sudden death',
  'Switching sides',
  'Round over',
  'Epilogue',
  'Post-match',
];

/** The label of a `gameState`. */
export function gameStateLabel(state: number): string {
  return GAME_STATES[state] ?? `State ${state}`;
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** A count with the reader's digit grouping. */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** `1 server`, `2 servers`. */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
