/**
 * Cleaning of the texts a game server shows to players (`name`, `map`,
 * `playlist`, `desc`), so that a listing cannot hide, reorder or spoof what
 * players read. Pure and fast: a text with nothing to clean comes back as the
 * same string after one scan of its characters.
 *
 * - Stripped: control characters (`\p{Cc}`: C0, DEL, C1) except whitespace,
 *   format characters (`\p{Cf}`: zero-width space/joiners U+200B–U+200D, the
 *   marks and bidi controls U+200E–U+200F, U+202A–U+202E, U+2066–U+2069,
 *   U+2060–U+2064, U+FEFF, the soft hyphen U+00AD, tag characters, …), lone
 *   surrogates (`\p{Cs}`, which JSON can carry as `\uD800`) and the Hangul
 *   fillers U+115F, U+1160, U+3164, U+FFA0, which render as blanks.
 * - Whitespace (`\s`: tab, line breaks, NBSP, U+2000–U+200A, U+2028/U+2029,
 *   the ideographic space U+3000, …) is trimmed at both ends and each run of it
 *   becomes one space. In a multi-line text ({@link cleanLines}) a run that
 *   holds a line break becomes one `\n` instead.
 *
 * Lengths are counted afterwards, in code points (see `codePointLength`).
 *
 * @example
 * ```ts
 * cleanLine('[NS]\u200B  Kodai\u0007 '); // '[NS] Kodai'
 * cleanLines('Casual\r\n\r\n  EU only'); // 'Casual\nEU only'
 * ```
 *
 * @module
 */

import type { ServerInfo } from './messages.js';

/** Characters removed outright: Cc other than \t \n \v \f \r, Cf (incl. U+FEFF), lone surrogates, Hangul fillers. */
const STRIP = /(?![\t\n\v\f\r])[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]/gu;
/**
 * Something in a text with non-ASCII characters that cleaning may change: a
 * character to strip, or whitespace other than U+0020. (A `\n` of a multi-line
 * text matches too and takes the full path, which leaves it in place.)
 */
const SUSPECT = /[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]|[^\S ]/u;
const WHITESPACE = /\s+/g;
const LINE_BREAK = /[\n\v\f\r\u2028\u2029]/;

const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * True when cleaning leaves `text` as it is. Printable ASCII is decided in the
 * loop; any other character sends the text to one regular expression test.
 */
function isClean(text: string, multiline: boolean): boolean {
  const n = text.length;
  if (n === 0) return true;
  let previous = SPACE;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE || (multiline && c === NEWLINE)) {
      // A leading separator, or two in a row.
      if (previous === SPACE || previous === NEWLINE) return false;
    } else if (c > 0x7e) {
      ascii = false;
    } else if (c < 0x21) {
      return false;
    }
    previous = c;
  }
  if (previous === SPACE || previous === NEWLINE) return false;
  return ascii || !SUSPECT.test(text);
}

/**
 * Cleans a one-line text (`name`, `map`, `playlist`): strips invisible and
 * control characters, trims whitespace and collapses each run of it to one
 * space. Returns `text` itself when there is nothing to clean.
 */
export function cleanLine(text: string): string {
  if (isClean(text, false)) return text;
  return text.replace(STRIP, '').replace(WHITESPACE, ' ').trim();
}

const toSeparator = (run: string): string => (LINE_BREAK.test(run) ? '\n' : ' ');

/**
 * Cleans a multi-line text (`desc`) as {@link cleanLine} does, except that a
 * run of whitespace holding a line break (`\n`, `\r\n`, `\r`, `\v`, `\f`,
 * U+2028, U+2029) becomes one `\n`: lines stay apart, blank lines go.
 */
export function cleanLines(text: string): string {
  if (isClean(text, true)) return text;
  return text.replace(STRIP, '').trim().replace(WHITESPACE, toSeparator);
}

/**
 * The info with `name`, `map` and `playlist` cleaned by {@link cleanLine} and
 * `desc` by {@link cleanLines}: what the list shows. Returns `info` itself when
 * nothing changes (the common case, and the hot path of every registration).
 */
export function cleanServerInfo(info: ServerInfo): ServerInfo {
  const name = cleanLine(info.name);
  const desc = cleanLines(info.desc);
  const map = cleanLine(info.map);
  const playlist = cleanLine(info.playlist);
  if (name === info.name && desc === info.desc && map === info.map && playlist === info.playlist) return info;
  return { ...info, name, desc, map, playlist };
}
