/**
 * The shapes the admin view reads from the admin API (`/v2/admin/…`).
 *
 * @module
 */

import type { PublicServer } from '@masterserver/protocol';

/** A listed server as `GET /v2/admin/servers` gives it: the public fields, its address, its token, when it connected. */
export interface AdminServer extends PublicServer {
  readonly ip: string;
  readonly port: number;
  readonly tokenId: string;
  /** ISO 8601. */
  readonly connectedAt: string | null;
}

/** What a ban matches. */
export type BanKind = 'ip' | 'name' | 'player';

/** A ban in force (`GET /v2/admin/bans`). */
export interface Ban {
  readonly id: string;
  readonly kind: BanKind;
  readonly value: string;
  readonly reason: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601, or `null` for ever. */
  readonly expiresAt: string | null;
}

/** The body of `POST /v2/admin/bans`. */
export interface NewBan {
  kind: BanKind;
  value: string;
  reason: string;
  /** A duration like `12h` or `7d`; absent: for ever. */
  for?: string | undefined;
  force?: boolean | undefined;
}

/** One entry of the audit log (`GET /v2/admin/audit`). */
export interface AuditEntry {
  /** ISO 8601. */
  readonly time: string;
  readonly actor: { readonly id: string; readonly name: string };
  readonly action: string;
  readonly target: string;
  readonly reason: string | null;
}
