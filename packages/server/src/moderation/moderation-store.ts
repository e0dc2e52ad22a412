/**
 * Where bans and the audit log live: an interface with an in-memory driver
 * (here), SQLite (the data dir, beside the tokens) and Redis (a cluster). A
 * change of the bans and its audit entry are written together.
 *
 * @module
 */

import { type Ban, generateBanId, type NewBan } from './bans.js';

/** Who did something: an admin token (its id and name), or the command line ({@link CLI_ACTOR}). */
export interface Actor {
  readonly id: string;
  readonly name: string;
}

/** The actor of the `token` and `ban` commands. */
export const CLI_ACTOR: Actor = { id: 'cli', name: 'cli' };

/** What an audit entry records. */
export type AuditAction = 'server.remove' | 'ban.add' | 'ban.remove' | 'token.create' | 'token.revoke';

/** One entry of the audit log. */
export interface AuditEntry {
  /** ms since the epoch. */
  readonly time: number;
  readonly actor: Actor;
  readonly action: AuditAction;
  /** The object acted on: `server:ID`, `ban:ID`, `token:ID`. */
  readonly target: string;
  /** The reason given, or `null`. */
  readonly reason: string | null;
}

/** How many entries the audit log keeps: the newest ones. */
export const AUDIT_LIMIT = 100_000;

/**
 * Storage of bans and the audit log. The masterserver keeps a mirror of the bans
 * in memory (see `BanList`) and never waits on the store to check a registration
 * or a join.
 */
export interface ModerationStore {
  /** Stores a new ban (with a fresh id) and its `ban.add` audit entry by `actor`, together. */
  addBan(ban: NewBan, actor: Actor): Promise<Ban>;
  /** Deletes the ban `id` and writes its `ban.remove` audit entry by `actor`; resolves the ban, or `undefined` when none has that id. */
  removeBan(id: string, actor: Actor, now: number): Promise<Ban | undefined>;
  /** Every stored ban, expired ones included, oldest first. */
  bans(): Promise<Ban[]>;
  /** A value that changes whenever {@link bans} may have changed, in this process or another. */
  changeMarker(): Promise<string | null>;
  /** Optional: calls `listener` soon after the bans change anywhere. Returns a function that removes it. */
  onChange?(listener: () => void): () => void;
  /** Appends an entry to the audit log (the oldest beyond {@link AUDIT_LIMIT} are dropped). */
  audit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries of the audit log, newest first. */
  auditLog(limit: number): Promise<AuditEntry[]>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** The `ban.add` audit entry of `ban`. */
export function banAdded(ban: Ban, actor: Actor): AuditEntry {
  return { time: ban.createdAt, actor, action: 'ban.add', target: `ban:${ban.id}`, reason: ban.reason };
}

/** The `ban.remove` audit entry of the ban `id`, lifted at `now`. */
export function banRemoved(id: string, actor: Actor, now: number): AuditEntry {
  return { time: now, actor, action: 'ban.remove', target: `ban:${id}`, reason: null };
}

/** An audit entry as the admin API shows it. */
export function auditJson(entry: AuditEntry): Record<string, unknown> {
  return {
    time: new Date(entry.time).toISOString(),
    actor: { id: entry.actor.id, name: entry.actor.name },
    action: entry.action,
    target: entry.target,
    reason: entry.reason,
  };
}

/** A {@link ModerationStore} in this process's memory: what an embedded masterserver without a store gets. */
export class MemoryModerationStore implements ModerationStore {
  readonly #bans = new Map<string, Ban>();
  /** Oldest first; trimmed in batches so that appending stays O(1) on average. */
  #log: AuditEntry[] = [];
  readonly #limit: number;
  #version = 0;
  readonly #listeners = new Set<() => void>();

  /** `auditLimit`: how many entries the log keeps (default {@link AUDIT_LIMIT}). */
  constructor(options: { auditLimit?: number } = {}) {
    this.#limit = options.auditLimit ?? AUDIT_LIMIT;
  }

  async addBan(fields: NewBan, actor: Actor): Promise<Ban> {
    let id = generateBanId();
    while (this.#bans.has(id)) id = generateBanId();
    const ban: Ban = { id, ...fields };
    this.#bans.set(id, ban);
    this.#append(banAdded(ban, actor));
    this.#changed();
    return ban;
  }

  async removeBan(id: string, actor: Actor, now: number): Promise<Ban | undefined> {
    const ban = this.#bans.get(id);
    if (ban === undefined) return undefined;
    this.#bans.delete(id);
    this.#append(banRemoved(id, actor, now));
    this.#changed();
    return ban;
  }

  async bans(): Promise<Ban[]> {
    return [...this.#bans.values()];
  }

  async changeMarker(): Promise<string> {
    return String(this.#version);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.#append(entry);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return limit <= 0 ? [] : this.#log.slice(-Math.min(limit, this.#limit)).reverse();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  #append(entry: AuditEntry): void {
    this.#log.push(entry);
    if (this.#log.length >= 2 * this.#limit) this.#log = this.#log.slice(-this.#limit);
  }

  #changed(): void {
    this.#version++;
    for (const listener of this.#listeners) listener();
  }
}
