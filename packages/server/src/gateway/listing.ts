/**
 * The listing of one connection, the second state of a game server's
 * connection (listed or not): which server it lists under which id, its
 * password, and the reachability probe's watch on its address. A
 * registration on the same address refreshes or replaces the listing under
 * the same id; one on another port delists the old address and lists the new
 * one under its own id (docs/protocol.md#registration).
 *
 * @module
 */

import { CloseCode, RegistrationError, type ServerInfo } from '@masterserver/protocol';
import type { Logger } from '../logger.js';
import { andThen, isPromise, type MaybePromise } from '../maybe-async.js';
import { formatAddress } from '../net/addresses.js';
import type { AddressWatch, Reachability, VerdictListener } from '../probe/reachability.js';
import { type ListedServer, type Registry, toListedServer, withReachable } from '../registry/registry.js';
import type { ServerIds } from '../registry/server-ids.js';
import { type LivenessClocks, RegistrationTtl, type TtlOwner } from './liveness.js';
import { ServerPassword } from './password.js';
import type { Refusal } from './registration-policy.js';

/** What a listing works with. */
export interface ListingContext {
  /** The clocks' timer lists (the registration TTL's is used here). */
  readonly clocks: LivenessClocks;
  readonly registry: Registry;
  readonly reachability: Reachability;
  readonly serverIds: ServerIds;
  readonly logger: Logger;
  /** The listing of `owner` got its first id, or another one (`previous`) after a move. */
  identified(owner: ListingOwner, previous: string | undefined): void;
}

/** The connection a listing belongs to. */
export interface ListingOwner {
  readonly ip: string;
  /** Unique in the cluster: the listing's holder. */
  readonly key: string;
  /** When the connection opened, ms since the epoch. */
  readonly openedAt: number;
  readonly state: 'open' | 'closing' | 'closed';
  /** Runs `task` in the connection's order (after the registrations before it). */
  enqueue(task: () => MaybePromise<void>): void;
  close(code: number, reason: string): void;
}

/** How a registration's listing ended: listed, refused, or moot (the connection closed meanwhile). */
export type ListOutcome = 'listed' | 'closed' | Refusal;

/** One connection's listing. */
export class Listing implements VerdictListener, TtlOwner {
  readonly #ctx: ListingContext;
  readonly #owner: ListingOwner;
  #server: ListedServer | undefined;
  /** The id of the last listing: kept through a delisting (the connection is still this server). */
  #id: string | undefined;
  #password = ServerPassword.NONE;
  /** The probe's watch on the address listed (or being checked, in `require` mode). */
  #watch: AddressWatch | undefined;
  /**
   * The registration TTL: restarted by every listing and delisting. When it runs out, a listed server is
   * delisted and an unlisted connection is closed (docs/protocol.md#registration).
   */
  readonly #ttl: RegistrationTtl;

  constructor(ctx: ListingContext, owner: ListingOwner) {
    this.#ctx = ctx;
    this.#owner = owner;
    this.#ttl = new RegistrationTtl(ctx.clocks.ttl, this);
  }

  /** The listed server, or `undefined` while not listed. */
  get server(): ListedServer | undefined {
    return this.#server;
  }

  /** The public id, once listed (kept while delisted). */
  get id(): string | undefined {
    return this.#id;
  }

  /** True when a player's password lets them in. */
  admits(password: string | undefined): boolean {
    return this.#password.admits(password);
  }

  /**
   * Lists (or refreshes) the server a registration describes, with the token it was made with.
   * `unchanged`: the registration's checks found its info and token to be the listing's as it stands.
   */
  list(info: ServerInfo, tokenId: string, unchanged: boolean): MaybePromise<ListOutcome> {
    const { ip, key, openedAt } = this.#owner;
    const password = info.password ?? '';
    const listed = this.#server;
    if (listed !== undefined && listed.port === info.port) {
      if (unchanged && this.#password.equals(password)) {
        // The hot path (a game server repeating its registration): no closure unless the registry waits.
        const refreshed = this.#ctx.registry.refresh(listed.id);
        return isPromise(refreshed) ? refreshed.then(() => this.#listed()) : this.#listed();
      }
      // The same address: the same id, and the probe's verdict stands.
      return this.#put(toListedServer(listed.id, info, ip, tokenId, listed.reachable, key, openedAt), password);
    }
    // A new address (the first listing, or another port): the old one is delisted, the new one probed.
    return andThen(this.delist(), () => this.#listAt(info, tokenId, password));
  }

  /** Delists the server (the connection stays); stops watching its address. */
  delist(): MaybePromise<void> {
    this.#watch?.release();
    this.#watch = undefined;
    const listed = this.#server;
    if (listed === undefined || this.#owner.state !== 'open') return;
    this.#server = undefined;
    this.#ttl.restart();
    return this.#ctx.registry.delete(listed);
  }

  /** The connection is closing: delist now (a failure is logged), stop watching and the clock. */
  drop(): void {
    this.#ttl.stop();
    this.#watch?.release();
    this.#watch = undefined;
    const listed = this.#server;
    this.#server = undefined;
    if (listed === undefined) return;
    const deleted = this.#ctx.registry.delete(listed);
    if (isPromise(deleted)) {
      deleted.catch((error: unknown) =>
        this.#ctx.logger.error({ serverId: listed.id, err: error }, 'delisting failed'),
      );
    }
  }

  #listAt(info: ServerInfo, tokenId: string, password: string): MaybePromise<ListOutcome> {
    if (this.#owner.state !== 'open') return 'closed';
    const { ip, key, openedAt } = this.#owner;
    const { port } = info;
    const watch = this.#watchAddress(port);
    const id = this.#ctx.serverIds.of(ip, port);
    const server = (reachable: boolean | null) => toListedServer(id, info, ip, tokenId, reachable, key, openedAt);
    if (this.#ctx.reachability.mode !== 'require') return this.#put(server(watch.verdict), password);
    return watch.settled().then((reachable) => {
      if (this.#owner.state !== 'open' || this.#watch !== watch) return 'closed';
      if (reachable) return this.#put(server(true), password);
      return { refused: RegistrationError.UNREACHABLE, detail: `udp ${formatAddress(ip, port)}` };
    });
  }

  /** Lists `server`; `password` undefined keeps the password (a relisting with a new probe verdict). */
  #put(server: ListedServer, password: string | undefined): MaybePromise<ListOutcome> {
    const { registry } = this.#ctx;
    return andThen(registry.put(server), (result): MaybePromise<ListOutcome> => {
      if (this.#owner.state !== 'open') return andThen(result.ok ? registry.delete(server) : undefined, () => 'closed');
      if (!result.ok) return { refused: RegistrationError.LIST_FULL };
      this.#server = server;
      // Hashed only when it changed.
      if (password !== undefined && !this.#password.equals(password)) this.#password = ServerPassword.of(password);
      if (this.#id !== server.id) {
        const previous = this.#id;
        this.#id = server.id;
        this.#ctx.identified(this.#owner, previous);
      }
      return this.#listed();
    });
  }

  #listed(): 'listed' | 'closed' {
    if (this.#owner.state !== 'open') return 'closed';
    this.#ttl.restart();
    return 'listed';
  }

  /** The registration TTL ran out: delist, or close an unlisted connection, in order. */
  ttlExpired(generation: number): void {
    this.#owner.enqueue(() => this.#expired(generation));
  }

  #expired(generation: number): MaybePromise<void> {
    // A registration queued before this expiry may have restarted the TTL meanwhile.
    if (generation !== this.#ttl.generation || this.#owner.state !== 'open') return;
    if (this.#server !== undefined) return this.delist();
    this.#owner.close(CloseCode.POLICY_VIOLATION, 'registration required');
  }

  /** The probe's verdict on a watched address changed: relist (or, in `require` mode, delist) in order. */
  reachabilityChanged(watch: AddressWatch, reachable: boolean): void {
    this.#owner.enqueue(() => this.#verdict(watch, reachable));
  }

  /** Watches the address at `port` (a new watch: the old address, if any, was released). */
  #watchAddress(port: number): AddressWatch {
    this.#watch?.release();
    const watch = this.#ctx.reachability.watch(this.#owner.ip, port, this);
    this.#watch = watch;
    return watch;
  }

  #verdict(watch: AddressWatch, reachable: boolean): MaybePromise<void> {
    const listed = this.#server;
    if (this.#watch !== watch || listed === undefined || this.#owner.state !== 'open') return;
    if (!reachable && this.#ctx.reachability.mode === 'require') {
      this.#ctx.logger.info({ ip: listed.ip, serverId: listed.id }, 'delisted: the game port stopped answering probes');
      return this.delist();
    }
    if (listed.reachable === reachable) return;
    return andThen(this.#put(withReachable(listed, reachable), undefined), () => undefined);
  }
}
