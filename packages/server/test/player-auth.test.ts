import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fetchRaw, postJson, type TestResponse } from '@masterserver/testing';
import { type JWTPayload, SignJWT } from 'jose';
import { pino } from 'pino';
import { UNAUTHORIZED_REASONS, type UnauthorizedReason } from '../src/auth/player-auth.js';
import { JwtPlayerAuth } from '../src/index.js';
import { runCli, tempDir } from './cli-helpers.js';
import { startMs } from './helpers.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const ISSUER = 'https://accounts.example.org';
const AUDIENCE = 'masterserver-eu';
const now = (): number => Math.floor(Date.now() / 1000);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** The verifiers the tests run the masterserver with. */
const auths = {
  hs: new JwtPlayerAuth(`${SECRET}\n`),
  hsIssuerAudience: new JwtPlayerAuth(SECRET, { issuer: ISSUER, audience: AUDIENCE }),
  rsa: new JwtPlayerAuth(rsaPem),
};

/**
 * A signed token: `exp` five minutes ahead unless `claims` sets it (`exp: undefined`
 * leaves it out); HS256 with {@link SECRET} unless `alg` and `key` say otherwise.
 */
function token(
  claims: Record<string, unknown>,
  alg = 'HS256',
  key: KeyObject | Uint8Array = Buffer.from(SECRET),
): Promise<string> {
  return new SignJWT({ exp: now() + 300, ...claims } as JWTPayload).setProtectedHeader({ alg }).sign(key);
}

const bearer = async (claims: Record<string, unknown>, alg?: string, key?: KeyObject | Uint8Array): Promise<string> =>
  `Bearer ${await token(claims, alg, key)}`;

/** One join against a fresh masterserver run with `auth`; what the player, the game server, the metrics and the log saw. */
async function joinWith(auth: JwtPlayerAuth, authorization: string | undefined) {
  let output = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const t = await startMs({ playerAuth: auth, logger: pino({ level: 'debug' }, sink) });
  try {
    const gs = await t.connect();
    await gs.register({ port: 37600 });
    const [server] = await t.list();
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const pending = postJson(
      `${t.url}/v2/client/join`,
      { serverId: server?.id, username: 'body-name', clantag: 'BODY' },
      headers,
    );
    // Whichever comes first: the join request at the game server, or the player's answer without it.
    const request = await Promise.race([gs.next(3000).catch(() => undefined), pending.then(() => undefined)]);
    if (request !== undefined) gs.answer(request);
    const res = await pending;
    const metrics = (await fetchRaw(`${t.url}/metrics`)).text;
    const logs = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; outcome?: string; reason?: string });
    return { res, request, metrics, logs, output };
  } finally {
    await t.close();
  }
}

const sample = (metrics: string, series: string): number | undefined => {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const errorCode = (res: TestResponse): string | undefined => (res.json as { error?: { code: string } }).error?.code;

describe('--player-auth jwt – tokens that expire, from the expected issuer, for this audience, with the key’s algorithm', () => {
  it("a valid HS256 token joins; the player is the token's username and clantag, not the body's", async () => {
    const { res, request } = await joinWith(auths.hs, await bearer({ username: 'Viper', clantag: 'JWT' }));
    assert.equal(res.status, 200);
    assert.equal(request?.value.username, 'Viper');
    assert.equal(request?.value.clantag, 'JWT');
  });

  const refused: Array<[string, keyof typeof auths, () => Promise<string | undefined>, UnauthorizedReason]> = [
    ['missing', 'hs', async () => undefined, 'missing'],
    ['not a bearer token', 'hs', async () => 'Basic dXNlcjpwYXNz', 'missing'],
    ['not a JWT', 'hs', async () => 'Bearer not-a-jwt', 'malformed'],
    ['without exp', 'hs', () => bearer({ username: 'u', exp: undefined }), 'no_expiry'],
    ['with an exp that is not a number', 'hs', () => bearer({ username: 'u', exp: 'soon' }), 'malformed'],
    ['expired 2 minutes ago', 'hs', () => bearer({ username: 'u', exp: now() - 120 }), 'expired'],
    [
      'expired 45 s ago, beyond the 30 s of clock skew',
      'hs',
      () => bearer({ username: 'u', exp: now() - 45 }),
      'expired',
    ],
    ['not valid for 10 minutes yet', 'hs', () => bearer({ username: 'u', nbf: now() + 600 }), 'not_yet_valid'],
    [
      'signed with another secret',
      'hs',
      () => bearer({ username: 'u' }, 'HS256', Buffer.from('x'.repeat(40))),
      'signature',
    ],
    [
      'unsigned (alg none)',
      'hs',
      async () =>
        `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"username":"u","exp":${now() + 300}}`).toString('base64url')}.`,
      'algorithm',
    ],
    [
      'RS256 where the key is an HS256 secret',
      'hs',
      () => bearer({ username: 'u' }, 'RS256', rsa.privateKey),
      'algorithm',
    ],
    [
      "HS256 signed with the RSA public key's PEM as the secret (key confusion)",
      'rsa',
      () => bearer({ username: 'u' }, 'HS256', Buffer.from(rsaPem)),
      'algorithm',
    ],
    [
      'PS256 where the key is an RSA key (RS256/384/512 only)',
      'rsa',
      () => bearer({ username: 'u' }, 'PS256', rsa.privateKey),
      'algorithm',
    ],
    [
      'without iss when --jwt-issuer is set',
      'hsIssuerAudience',
      () => bearer({ username: 'u', aud: AUDIENCE }),
      'issuer',
    ],
    [
      'from another issuer',
      'hsIssuerAudience',
      () => bearer({ username: 'u', iss: 'https://evil.example', aud: AUDIENCE }),
      'issuer',
    ],
    [
      'without aud when --jwt-audience is set',
      'hsIssuerAudience',
      () => bearer({ username: 'u', iss: ISSUER }),
      'audience',
    ],
    [
      'for another audience',
      'hsIssuerAudience',
      () => bearer({ username: 'u', iss: ISSUER, aud: ['masterserver-us', 'shop'] }),
      'audience',
    ],
  ];
  for (const [what, auth, header, reason] of refused) {
    it(`a token ${what} is 401 UNAUTHORIZED (${reason}), counted by reason, logged at debug without the token, never sent to the game server`, async () => {
      const authorization = await header();
      const { res, request, metrics, logs, output } = await joinWith(auths[auth], authorization);
      assert.equal(res.status, 401);
      assert.equal(errorCode(res), 'UNAUTHORIZED');
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.equal(request, undefined);
      for (const other of UNAUTHORIZED_REASONS) {
        const count = sample(metrics, `masterserver_join_unauthorized_total{reason="${other}"}`);
        assert.equal(count, other === reason ? 1 : 0, `reason="${other}"`);
      }
      assert.equal(sample(metrics, 'masterserver_joins_total{outcome="unauthorized"}'), 1);
      const logged = logs.filter((line) => line.msg === 'join');
      assert.deepEqual(
        logged.map(({ level, outcome, reason }) => ({ level, outcome, reason })),
        [{ level: 20, outcome: 'unauthorized', reason }],
      );
      const secret = authorization?.split(' ')[1];
      if (secret !== undefined) assert.ok(!output.includes(secret), 'the log holds the token');
    });
  }

  const accepted: Array<[string, keyof typeof auths, () => Promise<string>, { username: string; clantag: string }]> = [
    [
      'expired 20 s ago, within the 30 s of clock skew',
      'hs',
      () => bearer({ username: 'Skew', exp: now() - 20 }),
      { username: 'Skew', clantag: '' },
    ],
    [
      'valid in 20 s, within the clock skew',
      'hs',
      () => bearer({ username: 'Early', clantag: 'NB', nbf: now() + 20 }),
      { username: 'Early', clantag: 'NB' },
    ],
    [
      'from the expected issuer, for this audience among others',
      'hsIssuerAudience',
      () => bearer({ username: 'Pilot', iss: ISSUER, aud: ['shop', AUDIENCE] }),
      { username: 'Pilot', clantag: '' },
    ],
    [
      'without a clantag claim (the game server receives "")',
      'hs',
      () => bearer({ username: 'Clanless' }),
      { username: 'Clanless', clantag: '' },
    ],
    [
      'naming Zoë 山田 (passed on byte for byte)',
      'rsa',
      () => bearer({ username: 'Zoë 山田', clantag: 'ÆØÅ' }, 'RS512', rsa.privateKey),
      { username: 'Zoë 山田', clantag: 'ÆØÅ' },
    ],
  ];
  for (const [what, auth, header, player] of accepted) {
    it(`a token ${what} joins`, async () => {
      const { res, request } = await joinWith(auths[auth], await header());
      assert.equal(res.status, 200);
      assert.deepEqual({ username: request?.value.username, clantag: request?.value.clantag }, player);
      assert.ok(request?.text.includes(`"username":${JSON.stringify(player.username)}`));
    });
  }

  for (const [what, claims, message] of [
    ['no username', { clantag: 'x' }, "the token's claim username must be a string of 1 to 32 characters"],
    [
      'a username with a bidi override',
      { username: 'nimdA\u202E' },
      "the token's claim username must not hold control, format, surrogate or unassigned characters (it holds U+202E)",
    ],
    [
      'a 33-character clantag',
      { username: 'u', clantag: 'c'.repeat(33) },
      "the token's claim clantag must be a string of at most 32 characters",
    ],
    [
      'a numeric clantag',
      { username: 'u', clantag: 7 },
      "the token's claim clantag must be a string of at most 32 characters",
    ],
  ] as const) {
    it(`a valid token with ${what} is 400 BAD_REQUEST naming the claim, and never reaches the game server`, async () => {
      const { res, request, metrics } = await joinWith(auths.hs, await bearer(claims));
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: { code: 'BAD_REQUEST', msg: message } });
      assert.equal(request, undefined);
      assert.equal(sample(metrics, 'masterserver_joins_total{outcome="bad_request"}'), 1);
      assert.equal(sample(metrics, 'masterserver_joins_total{outcome="unauthorized"}'), undefined);
    });
  }

  for (const [type, options, alg, others] of [
    ['rsa', { modulusLength: 2048 }, 'RS256', ['HS256', 'PS256', 'ES256', 'EdDSA']],
    ['ec', { namedCurve: 'P-256' }, 'ES256', ['HS256', 'ES384', 'RS256', 'EdDSA']],
    ['ed25519', {}, 'EdDSA', ['HS256', 'RS256', 'ES256']],
  ] as const) {
    it(`a PEM ${type} public key verifies ${alg} tokens and refuses every other algorithm`, async () => {
      const { publicKey, privateKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const auth = new JwtPlayerAuth(pem);
      assert.deepEqual(await auth.authenticate(await bearer({ username: 'Pilot', clantag: 'PK' }, alg, privateKey)), {
        ok: true,
        player: { username: 'Pilot', clantag: 'PK' },
      });
      for (const other of others) {
        // The header claims `other`; the signature is whatever the attacker can make: an HMAC with the PEM.
        const header = Buffer.from(JSON.stringify({ alg: other })).toString('base64url');
        const body = Buffer.from(JSON.stringify({ username: 'Pilot', exp: now() + 300 })).toString('base64url');
        const forged =
          other === 'HS256' ? await token({ username: 'Pilot' }, 'HS256', Buffer.from(pem)) : `${header}.${body}.AAAA`;
        const result = await auth.authenticate(`Bearer ${forged}`);
        assert.equal(result.ok, false, other);
        assert.equal(!result.ok && result.reason, 'algorithm', other);
      }
    });
  }

  it('serve --player-auth jwt without --jwt-key, or with a short secret, exits 2', () => {
    const dir = tempDir();
    const noKey = runCli(['serve', '--player-auth', 'jwt', '--data-dir', dir]);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /--jwt-key/);
    writeFileSync(join(dir, 'short'), 'too short');
    const short = runCli(['serve', '--player-auth', 'jwt', '--jwt-key', join(dir, 'short'), '--data-dir', dir]);
    assert.equal(short.status, 2);
    assert.match(short.stderr, /--jwt-key: .*at least 32 bytes/);
  });

  it('serve with an empty --jwt-issuer or --jwt-audience exits 2 naming the flag', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), SECRET);
    for (const flag of ['--jwt-issuer', '--jwt-audience']) {
      const result = runCli([
        'serve',
        '--player-auth',
        'jwt',
        '--jwt-key',
        join(dir, 'secret'),
        `${flag}=`,
        '--data-dir',
        dir,
      ]);
      assert.equal(result.status, 2, flag);
      assert.equal(result.stderr.trim(), `masterserver serve: ${flag}: cannot be empty`);
    }
  });
});
