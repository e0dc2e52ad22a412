/**
 * The shapes the page reads from the masterserver's HTTP API.
 *
 * @module
 */

import type { PublicServer } from '@masterserver/protocol';

/** A listed server, as `GET /v2/client/servers` and the live stream give it. */
export type Server = PublicServer;

/** One sample of the history: the time (Unix ms), the players, the listed servers. */
export interface Sample {
  readonly t: number;
  readonly players: number;
  readonly servers: number;
}

/** `GET /v2/client/stats/history`. */
export interface History {
  readonly intervalMs: number;
  readonly windowMs: number;
  readonly samples: readonly Sample[];
}

/** How joining players are identified (`GET /v2/client/config`). */
export type PlayerAuth = 'none' | 'bearer';

/** `GET /v2/client/config`. */
export interface BrowserConfig {
  readonly playerAuth: PlayerAuth;
  /** The reachability probe's mode: with `off`, `reachable` is always `null`. */
  readonly reachability: 'off' | 'mark' | 'require';
}

/** `GET /v2/client/display-names`: the names people read for map and playlist values. */
export interface DisplayNames {
  /** Map value (`mp_glitch`) → its name (`Glitch`). */
  readonly maps: Readonly<Record<string, string>>;
  /** Playlist value (`aitdm`) → its name (`Attrition`). */
  readonly playlists: Readonly<Record<string, string>>;
}

/** A change of the list (`event: delta`): servers added or changed, ids removed. */
export interface ListDelta {
  readonly upsert: readonly Server[];
  readonly remove: readonly string[];
}
