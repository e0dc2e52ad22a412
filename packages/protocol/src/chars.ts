/**
 * The character codes the JSON readers of this package look for.
 *
 * @internal
 * @module
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const MINUS = 0x2d;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
export const LOWER_E = 0x65;
export const UPPER_E = 0x45;
/** More digits than this may not fit a double exactly (2^53 has 16). */
export const MAX_EXACT_DIGITS = 15;
