/**
 * What an operator can do through the admin API: remove a listed server, add
 * and lift bans, read the audit log. Each action that changed something is
 * audited with who did it; a ban applies on this instance before the answer
 * (and on every other within a second, through the store).
 *
 * @module
 */

import type { Logger } from '../logger.js';
import type { ListedServer, Registry } from '../registry/registry.js';
import type { BanList } from './ban-list.js';
import { type Ban, inForce, type NewBan } from './bans.js';
import type { Actor, AuditEntry, ModerationStore } from './moderation-store.js';
import type { RemoteRemoval, RemoteRemovals } from './remote-removals.js';

/** The close reason of a removal without one. */
export const DEFAULT_REMOVAL_REASON = 'removed by an operator';

/** What {@link Moderation} works with. */
export interface ModerationContext {
  readonly store: ModerationStore;
  readonly bans: BanList;
  readonly registry: Registry;
  /** Removes a server this instance holds (closing it with `4010`); false when it holds none by that id. */
  removeLocal(serverId: string, reason: string): boolean;
  /** Removals of servers other instances hold; `undefined` on a single instance. */
  readonly remote: RemoteRemovals | undefined;
  readonly logger: Logger;
}

/** The operator's actions. */
export class Moderation {
  readonly #ctx: ModerationContext;

  constructor(ctx: ModerationContext) {
    this.#ctx = ctx;
  }

  /** Every listed server, of every instance. */
  servers(): ListedServer[] {
    return [...this.#ctx.registry.values()];
  }

  /**
   * Delists `serverId` and closes its connection with `4010` (on whichever instance holds it), and audits it.
   * `reason`: the close reason and the audit's, or `null`.
   */
  async removeServer(actor: Actor, serverId: string, reason: string | null): Promise<RemoteRemoval> {
    const { registry, remote, store, logger } = this.#ctx;
    if (registry.get(serverId) === undefined) return 'not-found';
    const closeReason = reason ?? DEFAULT_REMOVAL_REASON;
    let outcome: RemoteRemoval = 'not-found';
    if (this.#ctx.removeLocal(serverId, closeReason)) outcome = 'removed';
    else {
      const owner = registry.ownerOf(serverId);
      if (owner !== undefined && remote !== undefined) outcome = await remote.remove(owner, serverId, closeReason);
    }
    if (outcome !== 'removed') return outcome;
    await store.audit({ time: Date.now(), actor, action: 'server.remove', target: `server:${serverId}`, reason });
    logger.info({ serverId, actor: actor.id, actorName: actor.name }, 'server removed by an operator');
    return outcome;
  }

  /** The bans in force now, oldest first (read from the store: what every instance applies). */
  async bans(): Promise<Ban[]> {
    const now = Date.now();
    return (await this.#ctx.store.bans()).filter((ban) => inForce(ban, now));
  }

  /** Stores and audits a ban, and applies it here before resolving. */
  async addBan(actor: Actor, fields: NewBan): Promise<Ban> {
    const ban = await this.#ctx.store.addBan(fields, actor);
    this.#ctx.logger.info({ banId: ban.id, kind: ban.kind, actor: actor.id, actorName: actor.name }, 'ban added');
    await this.#ctx.bans.refresh();
    return ban;
  }

  /** Lifts and audits the ban `id`; resolves it, or `undefined` when no ban has that id. */
  async liftBan(actor: Actor, id: string): Promise<Ban | undefined> {
    const ban = await this.#ctx.store.removeBan(id, actor, Date.now());
    if (ban === undefined) return undefined;
    this.#ctx.logger.info({ banId: id, actor: actor.id, actorName: actor.name }, 'ban lifted');
    await this.#ctx.bans.refresh();
    return ban;
  }

  /** The newest `limit` audit entries, newest first. */
  auditLog(limit: number): Promise<AuditEntry[]> {
    return this.#ctx.store.auditLog(limit);
  }
}
