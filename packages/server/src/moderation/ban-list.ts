/**
 * The bans in force, mirrored from the store and compiled for the hot paths:
 * a registration and a join are checked against memory, never the store. The
 * mirror reloads when the store changes (at once on a change notice, else
 * within the poll interval) and rebuilds itself when a ban expires.
 *
 * @module
 */

import { BlockList, isIP } from 'node:net';
import type { Logger } from '../logger.js';
import { parseCidr } from '../net/addresses.js';
import { StoreWatch } from '../store-watch.js';
import { type Ban, inForce } from './bans.js';
import type { ModerationStore } from './moderation-store.js';

/** Who joins, as a ban can match them. */
export interface BannablePlayer {
  /** The client IP (canonical form). */
  readonly ip: string;
  readonly username: string;
  /** The JWT `sub`, when a bearer token named the player. */
  readonly sub?: string | undefined;
}

interface IpBan {
  readonly ban: Ban;
  readonly block: BlockList;
}

const familyOf = (ip: string): 'ipv4' | 'ipv6' | undefined => {
  const version = isIP(ip);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
};

/** The bans in force, in memory. */
export class BanList {
  readonly #store: ModerationStore;
  readonly #logger: Logger;
  readonly #watch: StoreWatch;
  #marker: string | null | undefined;
  /** The bans as last loaded (some may have expired since). */
  #loaded: readonly Ban[] = [];
  /** Every address ban in one list: most checks end here with "no". */
  #anyIp: BlockList | undefined;
  #ips: readonly IpBan[] = [];
  #names: ReadonlyArray<{ ban: Ban; lower: string }> = [];
  #players = new Map<string, Ban>();
  /** When the next ban expires (a rebuild then drops it). */
  #nextExpiry = Number.POSITIVE_INFINITY;
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  constructor(store: ModerationStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    this.#watch = new StoreWatch(
      () => this.#load(),
      (error) => logger.error({ err: error }, 'reloading the bans failed'),
    );
  }

  /** Grows whenever the bans in force change (a verdict cached before it is stale). */
  get generation(): number {
    return this.#generation;
  }

  /** Loads the bans, then keeps them current (polling every `intervalMs`) until {@link stop}. */
  start(intervalMs: number): Promise<void> {
    return this.#watch.start(intervalMs, (listener) => this.#store.onChange?.(listener));
  }

  /** Stops keeping the bans current (what is loaded stays). */
  stop(): void {
    this.#watch.stop();
  }

  /** Reloads now (e.g. right after this instance changed the bans). */
  refresh(): Promise<void> {
    return this.#watch.refresh();
  }

  /** Calls `listener` after the bans in force changed. Returns a function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The bans in force at `now`, oldest first. */
  active(now = Date.now()): Ban[] {
    return this.#loaded.filter((ban) => inForce(ban, now));
  }

  /** The ban a game server at `ip` named `name` (cleaned) falls under at `now`, if any. */
  serverBan(ip: string, name: string | undefined, now = Date.now()): Ban | undefined {
    const byIp = this.#ipBan(ip, now);
    if (byIp !== undefined || name === undefined || this.#names.length === 0) return byIp;
    const lower = name.toLowerCase();
    for (const { ban, lower: part } of this.#names) if (lower.includes(part) && inForce(ban, now)) return ban;
    return undefined;
  }

  /** The ban a joining player falls under at `now` (by address, username or JWT `sub`), if any. */
  playerBan(player: BannablePlayer, now = Date.now()): Ban | undefined {
    const byName = this.#players.get(player.username);
    if (byName !== undefined && inForce(byName, now)) return byName;
    const bySub = player.sub === undefined ? undefined : this.#players.get(player.sub);
    if (bySub !== undefined && inForce(bySub, now)) return bySub;
    return this.#ipBan(player.ip, now);
  }

  #ipBan(ip: string, now: number): Ban | undefined {
    const any = this.#anyIp;
    const family = any === undefined ? undefined : familyOf(ip);
    if (any === undefined || family === undefined || !any.check(ip, family)) return undefined;
    for (const { ban, block } of this.#ips) if (block.check(ip, family) && inForce(ban, now)) return ban;
    return undefined;
  }

  async #load(): Promise<void> {
    const marker = await this.#store.changeMarker();
    const now = Date.now();
    if (marker === this.#marker && now < this.#nextExpiry) return;
    let bans = this.#loaded;
    if (marker === null && bans.length > 0) {
      // Like the tokens: a store that lost its data (Redis restarted empty) does not lift every ban.
      if (this.#marker !== null) this.#logger.error({}, 'the ban store lost its data; keeping the bans loaded before');
    } else if (marker !== this.#marker) {
      bans = await this.#store.bans();
    }
    this.#marker = marker;
    this.#build(bans.filter((ban) => inForce(ban, now)));
  }

  #build(bans: readonly Ban[]): void {
    const ips: IpBan[] = [];
    const names: Array<{ ban: Ban; lower: string }> = [];
    const players = new Map<string, Ban>();
    let anyIp: BlockList | undefined;
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const ban of bans) {
      if (ban.expiresAt !== null) nextExpiry = Math.min(nextExpiry, ban.expiresAt);
      if (ban.kind === 'ip') {
        // The value was checked when the ban was made.
        const { address, prefix, family } = parseCidr(ban.value);
        const block = new BlockList();
        block.addSubnet(address, prefix, family);
        ips.push({ ban, block });
        anyIp ??= new BlockList();
        anyIp.addSubnet(address, prefix, family);
      } else if (ban.kind === 'name') names.push({ ban, lower: ban.value.toLowerCase() });
      else if (!players.has(ban.value)) players.set(ban.value, ban);
    }
    this.#loaded = bans;
    this.#ips = ips;
    this.#anyIp = anyIp;
    this.#names = names;
    this.#players = players;
    this.#nextExpiry = nextExpiry;
    this.#generation++;
    for (const listener of this.#listeners) listener();
  }
}
