/**
 * Who a joining player is. With `--player-auth none` the join body names the
 * player; with `--player-auth jwt` a signed bearer token does, and the body's
 * names are ignored.
 *
 * @module
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { codePointLength, InfoLimits } from '@masterserver/protocol';
import { errors, jwtVerify } from 'jose';

/** A player's names, as sent to the game server. */
export interface PlayerIdentity {
  username: string;
  clantag: string;
  /** The JWT `sub` claim, when the token has one (a `player` ban may name it). */
  sub?: string | undefined;
}

/** The answer of a {@link PlayerAuthenticator}. */
export type AuthResult = { ok: true; player: PlayerIdentity } | { ok: false; reason: string };

/** Identifies players from the `Authorization` header. */
export interface PlayerAuthenticator {
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}

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

/**
 * Verifies `Authorization: Bearer` JWTs: signature (HS256 with a secret, or
 * RS/PS/ES/EdDSA with a PEM public key), `exp` and `nbf` (30 s of clock skew
 * allowed); the player is the `username` (1–32 characters) and `clantag` (0–32,
 * absent means empty) claims.
 */
export class JwtPlayerAuth implements PlayerAuthenticator {
  readonly #key: KeyObject | Uint8Array;
  readonly #algorithms: string[];

  /**
   * `keyFile`: the contents of `--jwt-key`. A PEM public key (`-----BEGIN PUBLIC KEY-----`)
   * selects the asymmetric algorithms of its type; anything else is an HS256 secret
   * (trailing whitespace removed), which must be at least 32 bytes.
   */
  constructor(keyFile: string | Buffer) {
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
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const match = /^Bearer +([A-Za-z0-9_.-]+) *$/i.exec(authorization ?? '');
    if (match === null) return { ok: false, reason: 'an Authorization: Bearer token is required' };
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1] as string, this.#key, {
        algorithms: this.#algorithms,
        clockTolerance: 30,
      }));
    } catch (error) {
      return { ok: false, reason: describe(error) };
    }
    const { username, clantag = '' } = payload;
    if (typeof username !== 'string' || username === '' || codePointLength(username) > InfoLimits.USERNAME_MAX) {
      return { ok: false, reason: 'the token has no valid username claim' };
    }
    if (typeof clantag !== 'string' || codePointLength(clantag) > InfoLimits.CLANTAG_MAX) {
      return { ok: false, reason: 'the token has no valid clantag claim' };
    }
    const { sub } = payload;
    return { ok: true, player: typeof sub === 'string' ? { username, clantag, sub } : { username, clantag } };
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return 'the token is not valid yet';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  return 'the token is not valid';
}
