/**
 * The one check of a joining player against the bans, shared by every route
 * that hands a player to a game server (the join, quick play): called after
 * the player is known and before anything is routed.
 *
 * @module
 */

import type { ServerResponse } from 'node:http';
import { sendError } from '../http/errors.js';
import type { BanList, BannablePlayer } from './ban-list.js';
import type { Ban } from './bans.js';

/**
 * Answers `403 BANNED` (its `msg` holding the ban's reason) when a ban in force matches `player` by address,
 * username or JWT `sub`, and returns that ban; otherwise sends nothing and returns `undefined`.
 */
export function refuseBannedPlayer(bans: BanList, res: ServerResponse, player: BannablePlayer): Ban | undefined {
  const ban = bans.playerBan(player);
  if (ban !== undefined) sendError(res, 'BANNED', `Banned: ${ban.reason}`);
  return ban;
}
