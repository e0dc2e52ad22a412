/**
 * Registration and admin tokens at rest, and the masterserver's own secrets. A store keeps only a hash of each token; the
 * token itself is shown once, when it is created.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';

/**
 * What a token opens: `registration` lets a game server be listed, `admin` opens the admin API
 * (`/v2/admin/…`). Neither opens the other.
 */
export type TokenRole = 'registration' | 'admin';

/** Every {@link TokenRole}. */
export const TOKEN_ROLES: readonly TokenRole[] = ['registration', 'admin'];

/** An admin token as the masterserver keeps it in memory: its hash and its name (for the audit log). */
export interface AdminTokenEntry {
  /** SHA-256 of the token. */
  hash: Buffer;
  /** The operator's label. */
  name: string;
}

/** What a store knows about a token (never the token). */
export interface TokenRecord {
  /** Short public id, used by `token revoke ID` and in logs. */
  id: string;
  /** The operator's label. */
  name: string;
  /** What the token opens. */
  role: TokenRole;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Last successful registration with it, ms since the epoch, or `null`. */
  lastUsedAt: number | null;
  /** Revoked tokens stay listed but are refused. */
  revoked: boolean;
}

/**
 * Storage of registration tokens. Methods may be asynchronous so that a
 * networked store can implement them; the masterserver keeps a mirror of
 * {@link TokenStore.activeHashes} in memory and never waits on the store while
 * checking a registration.
 */
export interface TokenStore {
  /** Creates a token (default role `registration`); the returned `token` is the only time it exists in clear. */
  create(name: string, role?: TokenRole): Promise<{ record: TokenRecord; token: string }>;
  /** Every token, oldest first. */
  list(): Promise<TokenRecord[]>;
  /** Revokes a token; resolves `false` when no token has that id. */
  revoke(id: string): Promise<boolean>;
  /** Hash of every registration token that is not revoked, by id (never an admin token). */
  activeHashes(): Promise<Map<string, Buffer>>;
  /** Every admin token that is not revoked, by id. */
  activeAdminTokens(): Promise<Map<string, AdminTokenEntry>>;
  /**
   * A value that changes whenever {@link activeHashes} or {@link activeAdminTokens} may have changed, in this
   * process or another; `null` when the store has lost its data (e.g. a Redis
   * that restarted without persistence), so that the tokens known before are
   * kept rather than all revoked.
   */
  changeMarker(): Promise<string | null>;
  /** Records that these tokens were used at `at`. */
  markUsed(ids: readonly string[], at: number): Promise<void>;
  /**
   * Optional: calls `listener` soon after a token changes anywhere, so that a
   * revocation takes effect at once rather than at the next poll. Returns a
   * function that removes it.
   */
  onChange?(listener: () => void): () => void;
  /**
   * The masterserver's secret called `name` (e.g. the one stable server ids are derived with): made with
   * `create` by the first caller, in whatever process, and the same for every caller after it.
   */
  secret(name: string, create: () => Buffer): Promise<Buffer>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** SHA-256 of a token: what stores keep and what registrations are compared by. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A new token for `id`: `ID.SECRET`, the secret 256 bits from the CSPRNG, URL-safe. */
export function generateToken(id: string): string {
  return `${id}.${randomBytes(32).toString('base64url')}`;
}

/** A new token id: 8 hex digits. */
export function generateTokenId(): string {
  return randomBytes(4).toString('hex');
}

/** The id part of a token made by {@link generateToken}, or `undefined`. */
export function tokenIdOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  return dot > 0 ? token.slice(0, dot) : undefined;
}
