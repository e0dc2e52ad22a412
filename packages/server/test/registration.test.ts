import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, registrationText, serverInfo, waitFor } from '@masterserver/testing';
import { startMs, type TestMs, TOKEN } from './helpers.js';

const ok = (id: string): string => `{"metadata":{"type":-1,"id":${id}},"success":true}`;
const refused = (id: string, type: number, msg: string): string =>
  `{"metadata":{"type":-1,"id":${id}},"success":false,"error":{"type":${type},"msg":"${msg}"}}`;

describe('registration – listing (docs/protocol.md#registration)', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  it('a valid registration is answered with success and the server is listed', async () => {
    const gs = await t.connect();
    const answer = await gs.register({ name: 'listed-1' }, 7);
    assert.equal(answer.text, ok('7'));
    const list = await t.list();
    const entry = list.find((s) => s.name === 'listed-1');
    assert.ok(entry, 'the server is in the list');
    assert.deepEqual(Object.keys(entry).sort(), [
      'curPlayers',
      'desc',
      'gameState',
      'hasPassword',
      'id',
      'map',
      'maxPlayers',
      'name',
      'playlist',
      'reachable',
    ]);
    assert.equal(typeof entry.id, 'string');
    await gs.close();
  });

  for (const id of ['0', '-1', '9007199254740993', '9223372036854775807', '-9223372036854775808']) {
    it(`the response echoes the id ${id} byte for byte`, async () => {
      const gs = await t.connect();
      assert.equal((await gs.register({}, id)).text, ok(id));
      await gs.close();
    });
  }

  it('re-registering refreshes the listing under the same id', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'refresh-me', curPlayers: 1, port: 40001 });
    const first = (await t.list()).find((s) => s.name === 'refresh-me');
    await gs.register({ name: 'refresh-me', curPlayers: 5, map: 'mp_glitch', port: 40001 });
    const second = (await t.list()).find((s) => s.name === 'refresh-me');
    assert.equal(second?.id, first?.id);
    assert.equal(second?.curPlayers, 5);
    assert.equal(second?.map, 'mp_glitch');
    await gs.close();
  });

  it('a registration is visible in the list right after its successful response', async () => {
    const gs = await t.connect();
    await t.list(); // a fresh snapshot just before
    await gs.register({ name: 'visible-now', port: 40002 });
    assert.ok((await t.list()).some((s) => s.name === 'visible-now'));
    await gs.close();
  });

  it('a closed connection is delisted', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'gone-soon', port: 40003 });
    await gs.close();
    assert.ok(!(await t.list()).some((s) => s.name === 'gone-soon'));
  });
});

describe('registration – errors', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  it('an invalid token answers error 1 and keeps the connection; a fixed token then lists', async () => {
    const gs = await t.connect('wrong-token');
    const answer = await gs.register({ name: 'bad-token' }, 3);
    assert.equal(answer.text, refused('3', 1, 'Invalid registration token'));
    assert.ok(!(await t.list()).some((s) => s.name === 'bad-token'));
    gs.token = TOKEN;
    assert.equal((await gs.register({ name: 'bad-token' }, 4)).text, ok('4'));
    assert.ok((await t.list()).some((s) => s.name === 'bad-token'));
    await gs.close();
  });

  const infoErrors: Array<[string, Parameters<typeof serverInfo>[0]]> = [
    ['name', { name: '' }],
    ['name', { name: 'x'.repeat(65) }],
    ['desc', { desc: 'd'.repeat(1025) }],
    ['port', { port: 0 }],
    ['map', { map: '' }],
    ['map', { map: 'm'.repeat(65) }],
    ['playlist', { playlist: '' }],
    ['curPlayers', { curPlayers: -1 }],
    ['curPlayers', { curPlayers: 17, maxPlayers: 16 }],
    ['maxPlayers', { curPlayers: 0, maxPlayers: -1 }],
  ];
  for (const [field, info] of infoErrors) {
    it(`info that the list cannot use (${field}: ${JSON.stringify(info).slice(0, 40)}) answers error 2`, async () => {
      const gs = await t.connect();
      const answer = await gs.register(info, 9);
      assert.equal(answer.text, refused('9', 2, `Invalid server info: ${field}`));
      await gs.close();
    });
  }

  it('limits count characters, not bytes or UTF-16 units: 64 emoji are a valid name', async () => {
    const gs = await t.connect();
    assert.equal((await gs.register({ name: '😀'.repeat(64), port: 40010 }, 1)).text, ok('1'));
    assert.equal(
      (await gs.register({ name: '😀'.repeat(65), port: 40010 }, 2)).text,
      refused('2', 2, 'Invalid server info: name'),
    );
    await gs.close();
  });

  it('a failed registration delists a listed server but keeps the connection', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'fail-delists', port: 40011 });
    assert.ok((await t.list()).some((s) => s.name === 'fail-delists'));
    const answer = await gs.register({ name: 'fail-delists', port: 0 }, 50);
    assert.equal(answer.text, refused('50', 2, 'Invalid server info: port'));
    assert.ok(!(await t.list()).some((s) => s.name === 'fail-delists'));
    assert.equal((await gs.register({ name: 'fail-delists', port: 40011 }, 51)).text, ok('51'));
    await gs.close();
  });

  it('5 failed registrations in a minute close the connection with 1008', async () => {
    const gs = await t.connect('wrong');
    for (let i = 1; i <= 4; i++) assert.equal((await gs.register({}, i)).value.success, false);
    assert.equal((await gs.register({}, 5)).text, refused('5', 1, 'Invalid registration token'));
    const close = await gs.socket.closeFrame;
    assert.equal(close.code, 1008);
  });
});

describe('registration – rate limit and list size', () => {
  it('more than 10 registrations in 10 s answer error 3 (default rate)', async () => {
    const t = await startMs({ registrationRate: undefined });
    try {
      const gs = await t.connect();
      for (let i = 1; i <= 10; i++) assert.equal((await gs.register({}, i)).text, ok(String(i)));
      assert.equal((await gs.register({}, 11)).text, refused('11', 3, 'Too many requests'));
      await gs.close();
    } finally {
      await t.close();
    }
  });

  it('the limit is per connection, and the window slides', async () => {
    const windowMs = 300;
    const t = await startMs({ registrationRate: { count: 2, windowMs } });
    try {
      const a = await t.connect();
      const b = await t.connect();
      assert.equal((await a.register({ port: 1 }, 1)).value.success, true);
      assert.equal((await a.register({ port: 1 }, 2)).value.success, true);
      assert.equal((await a.register({ port: 1 }, 3)).value.success, false);
      assert.equal((await b.register({ port: 2 }, 1)).value.success, true);
      // Once the window has passed the first two, there is room again.
      await delay(windowMs + 50);
      assert.equal((await a.register({ port: 1 }, 4)).value.success, true);
    } finally {
      await t.close();
    }
  });

  it('beyond max servers a new server answers error 4; a listed one can still refresh', async () => {
    const t = await startMs({ maxServers: 2 });
    try {
      const a = await t.connect();
      const b = await t.connect();
      const c = await t.connect();
      assert.equal((await a.register({ port: 1 }, 1)).value.success, true);
      assert.equal((await b.register({ port: 2 }, 1)).value.success, true);
      assert.equal((await c.register({ port: 3 }, 1)).text, refused('1', 4, 'Server list full'));
      assert.equal((await a.register({ port: 1, curPlayers: 3 }, 2)).value.success, true);
      await b.close();
      await waitFor('b delisted', async () => (await t.list()).length === 1);
      assert.equal((await c.register({ port: 3 }, 2)).value.success, true);
    } finally {
      await t.close();
    }
  });
});

describe('registration – exact text on the wire', () => {
  it('accepts a registration with extra fields and a password, and never lists the password', async () => {
    const t = await startMs();
    try {
      const gs = await t.connect();
      const text = registrationText(TOKEN, serverInfo({ name: 'pw', password: 'hunter2' }), 1).replace(
        '"regToken"',
        '"future":{"x":[1.5,2e10]},"regToken"',
      );
      gs.socket.sendText(text);
      assert.equal((await gs.next()).text, ok('1'));
      const res = await t.list();
      assert.equal(res[0]?.hasPassword, true);
      assert.ok(!JSON.stringify(res).includes('hunter2'));
    } finally {
      await t.close();
    }
  });
});
