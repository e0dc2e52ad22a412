/**
 * The rules for a player's names (`username`, `clantag`), which the game server
 * and the game use as the player's identity: so they are refused, never cleaned
 * (unlike the texts of a listing, see `clean.ts`). A username is 1–32 code
 * points, a clan tag 0–32, and neither holds a control (`\p{Cc}`), format
 * (`\p{Cf}`: zero-width characters, bidi overrides, …), surrogate (`\p{Cs}`, a
 * lone one that JSON can carry as `\uD800`) or unassigned (`\p{Cn}`, as of the
 * runtime's Unicode version) character. Everything else passes as it is:
 * `Zoë 山田` reaches the game server byte for byte.
 *
 * @example
 * ```ts
 * checkPlayerNames('Zoë 山田', undefined); // { username: 'Zoë 山田', clantag: '' }
 * checkPlayerNames('Vi\u202Eper', 'NS'); // 'username must not hold control, format, …'
 * ```
 *
 * @module
 */

import { InfoLimits } from './codes.js';
import { withinLength } from './validate.js';

/** A player's names as the game server receives them in a join request. */
export interface PlayerNames {
  /** 1–32 code points. */
  readonly username: string;
  /** 0–32 code points; `''` for a player without a clan. */
  readonly clantag: string;
}

/** A character no name may hold. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/u;

/** Why `value` is not a valid name `field` of `min` to `max` code points, or `undefined` when it is. */
function nameProblem(field: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'string' || !withinLength(value, min, max)) {
    return min === 0
      ? `${field} must be a string of at most ${max} characters`
      : `${field} must be a string of ${min} to ${max} characters`;
  }
  const found = FORBIDDEN.exec(value);
  if (found === null) return undefined;
  const code = (found[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
  return `${field} must not hold control, format, surrogate or unassigned characters (it holds U+${code})`;
}

/**
 * Checks a player's names, wherever they come from (a join body, a token's
 * claims). `clantag` `undefined` or `null` is `''`. Returns the names, or a
 * message that starts with the name of the first field that breaks the rules.
 */
export function checkPlayerNames(username: unknown, clantag: unknown): PlayerNames | string {
  const tag = clantag ?? '';
  const problem =
    nameProblem('username', username, 1, InfoLimits.USERNAME_MAX) ??
    nameProblem('clantag', tag, 0, InfoLimits.CLANTAG_MAX);
  return problem ?? { username: username as string, clantag: tag as string };
}
