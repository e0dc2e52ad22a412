/**
 * Who a joining player is. With `--player-auth none` the join body names the
 * player; with `--player-auth jwt` a signed bearer token does, and the body's
 * names are ignored.
 *
 * @module
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { checkPlayerNames, type PlayerNames } from '@masterserver/protocol';
import { errors, jwtVerify } from 'jose';

/** A player's names, as sent to the game server. */
/** The player a token names: its checked names, and its `sub` claim when it has one (a `player` ban may name it). */
export interface PlayerIdentity extends PlayerNames {
  sub?: string | undefined;
}

/**
 * Why a bearer token was refused (`401 UNAUTHORIZED`), as logged and counted in
 * `masterserver_join_unauthorized_total{reason}`.
 */
export const UNAUTHORIZED_REASONS = [
  /** No `Authorization: Bearer` header. */
  'missing',
  /** Not a signed JWT: bad encoding, not JSON, a date claim that is not a number. */
  'malformed',
  /** Its `alg` is not the key's (`none`, HS256 for a public key, RS256 for an HS256 secret, …). */
  'algorithm',
  /** The signature does not verify with the key. */
  'signature',
  /** It has no `exp` claim. */
  'no_expiry',
  /** Its `exp` is past (beyond the clock skew). */
  'expired',
  /** Its `nbf` is ahead (beyond the clock skew). */
  'not_yet_valid',
  /** Its `iss` is not `--jwt-issuer`. */
  'issuer',
  /** Its `aud` does not hold `--jwt-audience`. */
  'audience',
] as const;

/** Why a bearer token was refused: one of {@link UNAUTHORIZED_REASONS}. */
export type UnauthorizedReason = (typeof UNAUTHORIZED_REASONS)[number];

/**
 * The answer of a {@link PlayerAuthenticator}. A refusal for an
 * {@link UnauthorizedReason} is answered `401 UNAUTHORIZED`; `invalid_claim`
 * (a valid token whose `username` or `clantag` breaks the rules of names) is
 * `400 BAD_REQUEST`. `message` says why for the player and the log; it never
 * holds the token.
 */
export type AuthResult =
  | { ok: true; player: PlayerIdentity }
  | { ok: false; reason: UnauthorizedReason | 'invalid_claim'; message: string };

/** Identifies players from the `Authorization` header. */
export interface PlayerAuthenticator {
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}

/** Options of {@link JwtPlayerAuth}. */
export interface JwtPlayerAuthOptions {
  /** The `iss` every token must carry (`--jwt-issuer`). Default: `undefined`, not checked. */
  issuer?: string | undefined;
  /** The audience every token's `aud` must hold (`--jwt-audience`). Default: `undefined`, not checked. */
  audience?: string | undefined;
}

/** Seconds a token's `exp` and `nbf` may be off from this machine's clock. */
export const JWT_CLOCK_SKEW_S = 30;

/** Algorithms accepted for each kind of key. */
function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      throw new RangeError(`unsupported EC curve ${curve ?? 'unknown'}`);
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new RangeError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** The three base64url parts of a compact JWS. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies `Authorization: Bearer` JWTs: the signature, with the algorithms of
 * the key's type only (HS256 for a secret; RS, PS, ES or EdDSA for a PEM public
 * key of that type; never `none`); an `exp` claim, required; `exp` and `nbf`
 * with {@link JWT_CLOCK_SKEW_S} seconds of clock skew; `iss` and `aud` when
 * configured. The player is the `username` and `clantag` claims (absent means
 * `''`), by the rules of `checkPlayerNames`.
 */
export class JwtPlayerAuth implements PlayerAuthenticator {
  /** The `iss` tokens must carry, or `undefined`. */
  readonly issuer: string | undefined;
  /** The audience tokens must name, or `undefined`. */
  readonly audience: string | undefined;
  readonly #key: KeyObject | Uint8Array;
  readonly #algorithms: string[];

  /**
   * `keyFile`: the contents of `--jwt-key`. A PEM public key (`-----BEGIN PUBLIC KEY-----`)
   * selects the asymmetric algorithms of its type; anything else is an HS256 secret
   * (trailing whitespace removed), which must be at least 32 bytes.
   */
  constructor(keyFile: string | Buffer, options: JwtPlayerAuthOptions = {}) {
    const text = keyFile.toString();
    if (text.includes('-----BEGIN')) {
      if (text.includes('PRIVATE KEY')) throw new RangeError('the JWT key must be a public key, not a private one');
      const key = createPublicKey(text);
      this.#key = key;
      this.#algorithms = algorithmsFor(key);
    } else {
      const secret = Buffer.from(text.replace(/\s+$/, ''));
      if (secret.length < 32) throw new RangeError('an HS256 secret must be at least 32 bytes');
      this.#key = new Uint8Array(secret);
      this.#algorithms = ['HS256'];
    }
    this.issuer = options.issuer;
    this.audience = options.audience;
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const header = authorization?.trim() ?? '';
    if (!/^Bearer /i.test(header)) {
      return { ok: false, reason: 'missing', message: 'an Authorization: Bearer token is required' };
    }
    const token = header.slice(7).trim();
    if (!COMPACT_JWS.test(token)) return { ok: false, reason: 'malformed', message: 'the token is not a signed JWT' };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: this.#algorithms,
        clockTolerance: JWT_CLOCK_SKEW_S,
        requiredClaims: ['exp'],
        ...(this.issuer === undefined ? {} : { issuer: this.issuer }),
        ...(this.audience === undefined ? {} : { audience: this.audience }),
      }));
    } catch (error) {
      return refusal(error);
    }
    const player = checkPlayerNames(payload.username, payload.clantag);
    if (typeof player === 'string')
      return { ok: false, reason: 'invalid_claim', message: `the token's claim ${player}` };
    const { sub } = payload;
    return { ok: true, player: typeof sub === 'string' ? { ...player, sub } : player };
  }
}

/** The refusal for an error of `jwtVerify`. */
function refusal(error: unknown): AuthResult & { ok: false } {
  const refuse = (reason: UnauthorizedReason, message: string) => ({ ok: false as const, reason, message });
  if (error instanceof errors.JWTExpired) return refuse('expired', 'the token has expired');
  if (error instanceof errors.JOSEAlgNotAllowed) return refuse('algorithm', 'the token algorithm is not accepted');
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('signature', 'the token signature is not valid');
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.reason !== 'invalid') {
    if (error.claim === 'exp') return refuse('no_expiry', 'the token has no exp claim');
    if (error.claim === 'nbf') return refuse('not_yet_valid', 'the token is not valid yet');
    if (error.claim === 'iss') return refuse('issuer', 'the token is not from the expected issuer');
    if (error.claim === 'aud') return refuse('audience', 'the token is not for this audience');
  }
  return refuse('malformed', 'the token is not a valid JWT');
}
