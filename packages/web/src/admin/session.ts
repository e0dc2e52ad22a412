/**
 * Where the admin view keeps its token: the tab's `sessionStorage` (so a
 * reload keeps it and closing the tab forgets it), never `localStorage`, a
 * cookie or the URL.
 *
 * @module
 */

const KEY = 'ms-admin.token';

/** The token of this tab, or `undefined`. */
export function loadToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `token` for this tab (kept in memory only when storage is disabled). */
export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage may be disabled: the token then lives as long as the page
  }
}

/** Forgets the token. */
export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
