/**
 * What a ban is, and the one check of a new ban's fields that the admin API
 * and the `ban add` command share: its kind, its value (an address or CIDR
 * range, a name substring, a player), its reason and its duration, and the
 * `force` that a ban matching everything needs.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { cleanLine, codePointLength, InfoLimits, truncateUtf8 } from '@masterserver/protocol';
import { durationMs } from '../duration.js';
import { parseCidr } from '../net/addresses.js';

/**
 * What a ban matches: `ip` an address or CIDR range (game servers registering and players joining from
 * it), `name` a case-insensitive substring of server names, `player` a username or a JWT `sub`, exactly.
 */
export type BanKind = 'ip' | 'name' | 'player';

/** Every {@link BanKind}. */
export const BAN_KINDS: readonly BanKind[] = ['ip', 'name', 'player'];

/** A ban as the store keeps it. */
export interface Ban {
  /** 8 hex digits. */
  readonly id: string;
  readonly kind: BanKind;
  /** `ip`: an address or `ADDRESS/PREFIX` in canonical form; `name`: the cleaned substring; `player`: as given. */
  readonly value: string;
  /** Why: shown to the banned (registration error 6, the 4011 close reason, `403 BANNED`). */
  readonly reason: string;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch; `null`: for ever. */
  readonly expiresAt: number | null;
}

/** A ban's fields before the store gives it an id. */
export type NewBan = Omit<Ban, 'id'>;

/** A field of a new ban that is not valid: its name and what is wrong. */
export interface BanFieldError {
  readonly field: string;
  readonly message: string;
}

/** Longest reason, in code points. */
export const MAX_BAN_REASON = 256;

/** Longest `player` value (a username is at most 32, a JWT `sub` may be longer), in code points. */
export const MAX_PLAYER_VALUE = 256;

/** Longest ban, in ms: ten years (a longer one is `for ever`, without `for`). */
export const MAX_BAN_DURATION = 3650 * 86_400_000;

/** A new ban id: 8 hex digits. */
export function generateBanId(): string {
  return randomBytes(4).toString('hex');
}

/** True when the ban is in force at `now`. */
export function inForce(ban: Ban, now: number): boolean {
  return ban.expiresAt === null || ban.expiresAt > now;
}

/** A ban duration (`30m`, `12h`, `7d`, also `ms` and `s`) in ms; throws a `RangeError` saying what is wrong. */
export function parseBanDuration(text: string): number {
  const ms = durationMs(text, ['ms', 's', 'm', 'h', 'd']);
  if (ms === undefined) throw new RangeError(`"${text}" is not a duration (a number with s, m, h or d, like 12h, 7d)`);
  if (ms <= 0) throw new RangeError(`"${text}" must be longer than 0`);
  if (ms > MAX_BAN_DURATION) throw new RangeError(`"${text}" is longer than ten years; leave it out to ban for ever`);
  return ms;
}

const fail = (field: string, message: string): BanFieldError => ({ field, message: `${field}: ${message}` });

/**
 * Checks the fields of a new ban (the body of `POST /v2/admin/bans`, or the `ban add` command's) at `now`:
 * the ban to store, or the first field that is not valid.
 */
export function checkNewBan(body: unknown, now: number): NewBan | BanFieldError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('body', 'must be a JSON object');
  const fields = body as Record<string, unknown>;
  const { kind, value, reason, force } = fields;
  const duration = fields.for;
  if (typeof kind !== 'string' || !(BAN_KINDS as readonly string[]).includes(kind)) {
    return fail('kind', `must be one of ${BAN_KINDS.join(', ')}`);
  }
  if (force !== undefined && typeof force !== 'boolean') return fail('force', 'must be true or false');
  if (typeof value !== 'string') return fail('value', 'must be a string');
  const checked = checkValue(kind as BanKind, value, force === true);
  if (typeof checked !== 'string') return checked;
  if (typeof reason !== 'string') return fail('reason', 'must be a string');
  const cleanReason = cleanLine(reason);
  if (cleanReason === '' || codePointLength(cleanReason) > MAX_BAN_REASON) {
    return fail('reason', `must be 1 to ${MAX_BAN_REASON} characters`);
  }
  let expiresAt: number | null = null;
  if (duration !== undefined && duration !== null) {
    if (typeof duration !== 'string') return fail('for', 'must be a duration like 30m, 12h or 7d');
    try {
      expiresAt = now + parseBanDuration(duration);
    } catch (error) {
      return fail('for', (error as Error).message);
    }
  }
  return { kind: kind as BanKind, value: checked, reason: cleanReason, createdAt: now, expiresAt };
}

/** The value of a ban of `kind` as stored, or why it cannot be. */
function checkValue(kind: BanKind, value: string, force: boolean): string | BanFieldError {
  const everything = 'would match every %: set force to mean it';
  switch (kind) {
    case 'ip': {
      let range: ReturnType<typeof parseCidr>;
      try {
        range = parseCidr(value);
      } catch (error) {
        return fail('value', (error as Error).message);
      }
      if (range.prefix === 0 && !force) return fail('value', everything.replace('%', 'address'));
      return range.prefix === (range.family === 'ipv4' ? 32 : 128) ? range.address : `${range.address}/${range.prefix}`;
    }
    case 'name': {
      const name = cleanLine(value);
      if (codePointLength(name) > InfoLimits.NAME_MAX) {
        return fail('value', `a name is at most ${InfoLimits.NAME_MAX} characters`);
      }
      if (name === '' && !force) return fail('value', everything.replace('%', 'name'));
      return name;
    }
    case 'player':
      if (value === '' || codePointLength(value) > MAX_PLAYER_VALUE) {
        return fail('value', `a player is 1 to ${MAX_PLAYER_VALUE} characters`);
      }
      return value;
  }
}

/** A time as the admin API writes it: ISO 8601 in UTC, or `null`. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A ban as the admin API and `ban … --json` show it. */
export function banJson(ban: Ban): Record<string, unknown> {
  return {
    id: ban.id,
    kind: ban.kind,
    value: ban.value,
    reason: ban.reason,
    createdAt: isoTime(ban.createdAt),
    expiresAt: isoTime(ban.expiresAt),
  };
}

/** The close reason of a `4011`: the ban's reason, cut to the 123 bytes a close frame allows. */
export function banCloseReason(reason: string): string {
  return truncateUtf8(reason, 123);
}
