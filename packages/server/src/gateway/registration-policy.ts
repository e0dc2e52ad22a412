/**
 * The checks a schema-valid registration passes before anything is listed,
 * in the order of docs/protocol.md#registration: the rate limit (so that a
 * flood costs nothing else), the token (so that an unauthenticated peer learns
 * nothing about validation), the bans on the address and the cleaned name (so
 * that a banned server learns it is, whatever else is wrong), then the info
 * against the list's limits.
 *
 * @module
 */

import {
  CloseCode,
  cleanServerInfo,
  invalidInfoField,
  RegistrationError,
  type RegistrationRequest,
  registrationErrorMessage,
  type ServerInfo,
} from '@masterserver/protocol';
import type { RegistrationOutcome } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import { banCloseReason } from '../moderation/bans.js';
import type { ResolvedOptions } from '../options.js';
import { type ListedServer, sameListing } from '../registry/registry.js';
import type { RegistrationTokens } from '../tokens/registration-tokens.js';
import { SlidingWindow } from './sliding-window.js';

/** A refused registration: its error type, what follows the message (`: DETAIL`), and the close that follows. */
export interface Refusal {
  readonly refused: RegistrationError;
  readonly detail?: string | undefined;
  /** The connection is closed with this after the answer (a ban: `4011` and its reason). */
  readonly close?: { readonly code: number; readonly reason: string } | undefined;
}

/** A registration that passed: its cleaned info and the id of its token. */
export interface Admitted {
  readonly info: ServerInfo;
  readonly tokenId: string;
  /** The info and token are the listing's as it stands (a game server repeating itself). */
  readonly unchanged: boolean;
}

/** The metrics outcome of each refusal. */
export const REFUSAL_OUTCOME: Readonly<Record<RegistrationError, RegistrationOutcome>> = {
  [RegistrationError.INVALID_TOKEN]: 'invalid_token',
  [RegistrationError.INVALID_INFO]: 'invalid_info',
  [RegistrationError.TOO_MANY_REQUESTS]: 'rate_limited',
  [RegistrationError.LIST_FULL]: 'list_full',
  [RegistrationError.UNREACHABLE]: 'unreachable',
  [RegistrationError.BANNED]: 'banned',
};

/** The `error.msg` of a refusal. */
export function refusalMessage(refusal: Refusal): string {
  const base = registrationErrorMessage[refusal.refused];
  return refusal.detail === undefined ? base : `${base}: ${refusal.detail}`;
}

/** One connection's registration checks, with its rate and failure counts. */
export class RegistrationPolicy {
  readonly #tokens: RegistrationTokens;
  readonly #bans: BanList;
  /** The connection's client IP. */
  readonly #ip: string;
  readonly #rate: SlidingWindow | undefined;
  /** Made with the first refused registration: most connections never have one. */
  #failures: SlidingWindow | undefined;
  readonly #failedLimit: { count: number; windowMs: number };
  /**
   * The last token this connection registered with successfully, its id and the tokens' generation then: to skip
   * re-hashing it while the tokens do not change. (Fields, not an object: one object less on every connection.)
   */
  #verifiedToken: string | undefined;
  #verifiedId = '';
  #verifiedGeneration = 0;

  constructor(options: ResolvedOptions, tokens: RegistrationTokens, bans: BanList, ip: string) {
    this.#tokens = tokens;
    this.#bans = bans;
    this.#ip = ip;
    const { registrationRate, failedRegistrationLimit } = options;
    this.#rate =
      registrationRate === null ? undefined : new SlidingWindow(registrationRate.count, registrationRate.windowMs);
    this.#failedLimit = failedRegistrationLimit;
  }

  /**
   * Checks `request` at `now`: what to list, or why not. A refusal by the rate limit is not counted as a request.
   * `listed`: the connection's listing, which an unchanged info need not be checked against again.
   */
  check(request: RegistrationRequest, now: number, listed?: ListedServer): Admitted | Refusal {
    if (this.#rate !== undefined && !this.#rate.tryRecord(now)) return { refused: RegistrationError.TOO_MANY_REQUESTS };
    const tokenId = this.#verifyToken(request.regToken);
    if (tokenId === undefined) return { refused: RegistrationError.INVALID_TOKEN };
    // The same info as the listing (a game server repeating itself): it was cleaned, checked and ban-checked when
    // listed (a ban made since closes the listing on its own), so it passes as it is.
    if (listed !== undefined && sameListing(listed, request.info, tokenId)) {
      return { info: request.info, tokenId, unchanged: true };
    }
    // The list shows cleaned texts, and the limits apply to them (a name of zero-width spaces is empty).
    const info = cleanServerInfo(request.info);
    const ban = this.#bans.serverBan(this.#ip, info.name, now);
    if (ban !== undefined) {
      const close = { code: CloseCode.BANNED, reason: banCloseReason(ban.reason) };
      return { refused: RegistrationError.BANNED, detail: ban.reason, close };
    }
    const field = invalidInfoField(info);
    if (field !== undefined) return { refused: RegistrationError.INVALID_INFO, detail: field };
    return { info, tokenId, unchanged: false };
  }

  /** Counts a refused registration at `now`; true when that makes too many (the connection is closed). */
  failed(now: number): boolean {
    this.#failures ??= new SlidingWindow(this.#failedLimit.count, this.#failedLimit.windowMs);
    return this.#failures.record(now);
  }

  /**
   * The token's id, or `undefined`. A connection repeats its token every few
   * seconds: the same text as its last verified one, while no token changed,
   * is that token (the comparison is against the peer's own earlier message,
   * so its timing tells the peer nothing it did not send).
   */
  #verifyToken(token: string): string | undefined {
    const tokens = this.#tokens;
    if (this.#verifiedToken === token && this.#verifiedGeneration === tokens.generation) {
      tokens.markUsed(this.#verifiedId);
      return this.#verifiedId;
    }
    const id = tokens.verify(token);
    this.#verifiedToken = id === undefined ? undefined : token;
    this.#verifiedId = id ?? '';
    this.#verifiedGeneration = tokens.generation;
    return id;
  }

  /** `token`, or the equal text of the token last verified (a connection that keeps a registration keeps one copy). */
  heldToken(token: string): string {
    return this.#verifiedToken === token ? this.#verifiedToken : token;
  }
}
