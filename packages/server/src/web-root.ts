/**
 * Where the server browser's built files are: in the server package's own
 * `dist/public`, where the build puts a copy of `@masterserver/web`'s bundle
 * (so that a published server serves the page without the web package).
 *
 * @module
 */

import { fileURLToPath } from 'node:url';

/** The directory of the page's files in this package: `dist/public` beside `dist/src`. */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../public', import.meta.url));
}
