import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, postJson, type TestGameServer } from '@masterserver/testing';
import { startMs, type TestMs } from './helpers.js';

interface ErrorBody {
  error: { code: string; msg: string };
  gsError?: { type: number; msg: string };
}

describe('POST /v2/client/join – every outcome of the table', () => {
  let t: TestMs;
  let gs: TestGameServer;
  let serverId: string;
  const join = (body: unknown) => postJson(`${t.url}/v2/client/join`, body);

  before(async () => {
    t = await startMs({ joinTimeout: 300 });
    gs = await t.connect();
    await gs.register({ name: 'joinable', port: 37100 });
    serverId = String((await t.list())[0]?.id);
  });
  after(() => t.close());

  it('200: the game server accepts; the player gets its address, the same sessionToken and conv', async () => {
    const pending = join({ serverId, username: 'Viper', clantag: 'NS' });
    const request = await gs.next();
    assert.equal(request.value.metadata && (request.value.metadata as { type: number }).type, 2);
    assert.equal(request.value.username, 'Viper');
    assert.equal(request.value.clantag, 'NS');
    const { sessionToken, conv } = request.value as { sessionToken: string; conv: number };
    assert.match(sessionToken, /^[A-Za-z0-9_-]{22,}$/, 'URL-safe, at least 128 bits');
    assert.ok(Number.isInteger(conv) && conv > 0 && conv <= 0xffffffff);
    gs.answer(request);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ip: '127.0.0.1', port: 37100, sessionToken, conv });
  });

  it('409 JOIN_REJECTED: the game server refuses; its error is passed on', async () => {
    const pending = join({ serverId, username: 'Pilot', clantag: '' });
    gs.answer(await gs.next(), { type: 7, msg: 'Server is full' });
    const res = await pending;
    assert.equal(res.status, 409);
    const body = res.json as ErrorBody;
    assert.equal(body.error.code, 'JOIN_REJECTED');
    assert.deepEqual(body.gsError, { type: 7, msg: 'Server is full' });
  });

  it('404 SERVER_NOT_FOUND: no such listed server', async () => {
    const res = await join({ serverId: 'no-such-server', username: 'u', clantag: '' });
    assert.equal(res.status, 404);
    assert.equal((res.json as ErrorBody).error.code, 'SERVER_NOT_FOUND');
  });

  it('504 GS_TIMEOUT: the game server does not answer within the join timeout; a late answer is ignored', async () => {
    const started = performance.now();
    const pending = join({ serverId, username: 'Slow', clantag: '' });
    const request = await gs.next();
    const res = await pending;
    assert.equal(res.status, 504);
    assert.equal((res.json as ErrorBody).error.code, 'GS_TIMEOUT');
    assert.ok(performance.now() - started >= 280);
    gs.answer(request);
    // The late answer is ignored: the connection stays open and still works.
    const next = join({ serverId, username: 'After', clantag: '' });
    gs.answer(await gs.next());
    assert.equal((await next).status, 200);
  });

  it('a connection never sends a request id twice: a repeated answer to an answered join settles no later join', async () => {
    const idOf = (request: { text: string }) => /"id":(\d+)/.exec(request.text)?.[1];
    const first = join({ serverId, username: 'One', clantag: '' });
    const answered = await gs.next();
    gs.answer(answered);
    assert.equal((await first).status, 200);
    // Nothing waits on the connection now; the next join still gets an id of its own.
    const second = join({ serverId, username: 'Two', clantag: '' });
    const waiting = await gs.next();
    assert.notEqual(idOf(waiting), idOf(answered));
    gs.answer(answered, { type: 7, msg: 'a stale refusal' });
    gs.answer(waiting);
    assert.equal((await second).status, 200, 'the stale answer did not settle the waiting join');
  });

  for (const [what, body, message] of [
    ['not JSON', '{"serverId":', 'the body is not valid JSON'],
    ['an array', '[]', 'the body must be a JSON object'],
    ['no serverId', { username: 'u', clantag: '' }, 'serverId must be a non-empty string'],
    ['a numeric serverId', { serverId: 5, username: 'u', clantag: '' }, 'serverId must be a non-empty string'],
    ['no username', { serverId: 'x', clantag: '' }, 'username must be a string of 1 to 32 characters'],
    [
      'a 33-character username',
      { serverId: 'x', username: 'u'.repeat(33), clantag: '' },
      'username must be a string of 1 to 32 characters',
    ],
    [
      'a numeric clantag',
      { serverId: 'x', username: 'u', clantag: 7 },
      'clantag must be a string of at most 32 characters',
    ],
    [
      'a numeric password',
      { serverId: 'x', username: 'u', clantag: '', password: 1 },
      'password must be a string when present',
    ],
  ] as const) {
    it(`400 BAD_REQUEST: a body with ${what}`, async () => {
      const res = await join(body);
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: { code: 'BAD_REQUEST', msg: message } });
    });
  }

  it('413 PAYLOAD_TOO_LARGE: a body over 8 KiB', async () => {
    const res = await join({ serverId, username: 'u', clantag: '', pad: 'x'.repeat(9000) });
    assert.equal(res.status, 413);
    assert.equal((res.json as ErrorBody).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('join ids are unique among waiting requests and conv values are unique and non-zero', async () => {
    const pending = Array.from({ length: 20 }, (_, i) => join({ serverId, username: `p${i}`, clantag: '' }));
    const requests = [];
    for (let i = 0; i < 20; i++) requests.push(await gs.next());
    const ids = requests.map((r) => /"id":(\d+)/.exec(r.text)?.[1]);
    assert.equal(new Set(ids).size, 20);
    const convs = requests.map((r) => r.value.conv as number);
    assert.equal(new Set(convs).size, 20);
    assert.ok(convs.every((c) => c > 0));
    for (const request of requests.reverse()) gs.answer(request);
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => r.status === 200));
    // Answers in any order reach the right players.
    const convOf = new Map(requests.map((r) => [r.value.username, r.value.conv]));
    assert.deepEqual(
      results.map((r) => (r.json as { conv: number }).conv),
      results.map((_, i) => convOf.get(`p${i}`)),
    );
  });
});

describe('POST /v2/client/join – passwords and a vanishing game server', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs({ joinTimeout: 2000 });
  });
  after(() => t.close());

  it('403 WRONG_PASSWORD for a wrong or missing password; the right one reaches the game server', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'locked', password: 'open sesame', port: 37200 });
    const serverId = String((await t.list()).find((s) => s.name === 'locked')?.id);
    for (const password of [undefined, '', 'wrong', 'open sesame ']) {
      const res = await postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '', password });
      assert.equal(res.status, 403, `password ${JSON.stringify(password)}`);
      assert.equal((res.json as ErrorBody).error.code, 'WRONG_PASSWORD');
    }
    const pending = postJson(`${t.url}/v2/client/join`, {
      serverId,
      username: 'u',
      clantag: '',
      password: 'open sesame',
    });
    const request = await gs.next();
    assert.ok(!request.text.includes('open sesame'), 'the password is not sent to the game server');
    gs.answer(request);
    assert.equal((await pending).status, 200);
  });

  it('a password on a server without one is ignored', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'open', port: 37201 });
    const serverId = String((await t.list()).find((s) => s.name === 'open')?.id);
    const pending = postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '', password: 'x' });
    gs.answer(await gs.next());
    assert.equal((await pending).status, 200);
  });

  it('502 GS_GONE: the game server disconnects while the join waits', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'vanishing', port: 37202 });
    const serverId = String((await t.list()).find((s) => s.name === 'vanishing')?.id);
    const pending = postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
    await gs.next();
    gs.socket.destroy();
    const res = await pending;
    assert.equal(res.status, 502);
    assert.equal((res.json as ErrorBody).error.code, 'GS_GONE');
  });

  it('500 INTERNAL_ERROR when answering a join fails; the game server stays connected and is joined again', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'answered-badly', port: 37204 });
    const serverId = String((await t.list()).find((s) => s.name === 'answered-badly')?.id);
    const metrics = t.ms.metrics;
    const count = metrics.join;
    // The answer is made inside the game server's message: what throws there is the request's, not the connection's.
    metrics.join = () => {
      metrics.join = count;
      throw new Error('counting failed');
    };
    const failed = postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
    gs.answer(await gs.next());
    const res = await failed;
    assert.equal(res.status, 500);
    assert.equal((res.json as ErrorBody).error.code, 'INTERNAL_ERROR');
    const again = postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
    gs.answer(await gs.next());
    assert.equal((await again).status, 200);
    assert.ok((await t.list()).some((s) => s.id === serverId));
  });

  it('a delisted server cannot be joined: 404', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'delisted', port: 37203 });
    const serverId = String((await t.list()).find((s) => s.name === 'delisted')?.id);
    await gs.register({ name: 'delisted', port: 0 });
    const res = await postJson(`${t.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
    assert.equal(res.status, 404);
    assert.equal((await fetchRaw(`${t.url}/v2/client/servers/${serverId}`)).status, 404);
  });
});

describe('POST /v2/client/join – a bound on the joins waiting on one game server', () => {
  it('503 GS_BUSY with Retry-After beyond maxPendingJoins, before the game server answers the others; an answered join frees its place', async () => {
    const t = await startMs({ maxPendingJoins: 2 });
    try {
      const gs = await t.connect();
      await gs.register({ name: 'busy', port: 37300 });
      const serverId = String((await t.list())[0]?.id);
      const join = () => postJson(`${t.url}/v2/client/join`, { serverId, username: 'Queue', clantag: '' });
      const first = join();
      const second = join();
      const [a, b] = [await gs.next(), await gs.next()];
      const third = await join();
      assert.equal(third.status, 503, 'answered while the two before it still wait');
      assert.equal((third.json as ErrorBody).error.code, 'GS_BUSY');
      assert.equal(third.headers['retry-after'], '1');
      gs.answer(a);
      assert.equal((await first).status, 200);
      const fourth = join();
      gs.answer(await gs.next());
      assert.equal((await fourth).status, 200, 'the answered join freed its place');
      gs.answer(b);
      assert.equal((await second).status, 200);
    } finally {
      await t.close();
    }
  });
});

/** The message for a name `field` that holds the character U+`code`. */
const holds = (field: string, code: string): string =>
  `${field} must not hold control, format, surrogate or unassigned characters (it holds U+${code})`;

describe("POST /v2/client/join – players' names: refused when they could hurt, passed on exactly otherwise", () => {
  let t: TestMs;
  let gs: TestGameServer;
  let serverId: string;
  const join = (body: unknown) => postJson(`${t.url}/v2/client/join`, body);
  /** Joins as `player` and answers; resolves what the game server received and the player's status. */
  const joinAs = async (player: Record<string, unknown>) => {
    const pending = join({ serverId, ...player });
    const request = await gs.next();
    gs.answer(request);
    return { request, status: (await pending).status };
  };

  before(async () => {
    t = await startMs();
    gs = await t.connect();
    await gs.register({ name: 'names', port: 37400 });
    serverId = String((await t.list())[0]?.id);
  });
  after(() => t.close());

  it('a join without a clantag is accepted and the game server receives clantag ""', async () => {
    const { request, status } = await joinAs({ username: 'Clanless' });
    assert.equal(status, 200);
    assert.equal(request.value.clantag, '');
    assert.ok(request.text.includes('"username":"Clanless","clantag":""'), request.text);
  });

  it('a clantag of null is the same as none', async () => {
    const { request, status } = await joinAs({ username: 'Nulled', clantag: null });
    assert.equal(status, 200);
    assert.equal(request.value.clantag, '');
  });

  for (const [username, clantag] of [
    ['Zoë 山田', 'ÆØÅ'],
    ['Zoe\u0308 山田', '日本'],
    ['🎮'.repeat(32), '🎮'.repeat(32)],
  ] as const) {
    it(`${JSON.stringify(username)} [${clantag}] reaches the game server byte for byte`, async () => {
      const { request, status } = await joinAs({ username, clantag });
      assert.equal(status, 200);
      assert.equal(request.value.username, username);
      assert.equal(request.value.clantag, clantag);
      const bytes = Buffer.from(request.text);
      assert.ok(bytes.includes(Buffer.from(`"username":"${username}","clantag":"${clantag}"`)), request.text);
    });
  }

  for (const [what, body, message] of [
    ['a bidi override in the username', { username: 'nimdA\u202E', clantag: '' }, holds('username', '202E')],
    ['a zero-width space in the username', { username: 'Vi\u200Bper', clantag: '' }, holds('username', '200B')],
    ['a NUL byte in the clantag', { username: 'Viper', clantag: 'NS\u0000' }, holds('clantag', '0000')],
    ['an unassigned code point in the clantag', { username: 'Viper', clantag: '\u0378' }, holds('clantag', '0378')],
    [
      '33 emoji as a username',
      { username: '🎮'.repeat(33), clantag: '' },
      'username must be a string of 1 to 32 characters',
    ],
    [
      'a 33-character clantag',
      { username: 'Viper', clantag: 'c'.repeat(33) },
      'clantag must be a string of at most 32 characters',
    ],
  ] as const) {
    it(`400 BAD_REQUEST naming the field for ${what}; the game server hears nothing`, async () => {
      const res = await join({ serverId, ...body });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: { code: 'BAD_REQUEST', msg: message } });
      const { request } = await joinAs({ username: 'Next', clantag: '' });
      assert.equal(request.value.username, 'Next', 'the refused join never reached the game server');
    });
  }

  it('a lone surrogate written as a JSON escape (\\ud800) is 400 BAD_REQUEST naming the username', async () => {
    const res = await join(`{"serverId":${JSON.stringify(serverId)},"username":"a\\ud800","clantag":""}`);
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      error: {
        code: 'BAD_REQUEST',
        msg: holds('username', 'D800'),
      },
    });
  });
});
