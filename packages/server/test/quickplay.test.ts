import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, postJson, type Received, type TestGameServer, waitFor } from '@masterserver/testing';
import { startMs, type TestMs } from './helpers.js';
import { errorCode, startAdminMs } from './moderation-helpers.js';
import { GamePort } from './udp-helpers.js';

const PLAYER = { username: 'Viper', clantag: 'NS' };

/** How a test game server answers the join requests it gets. */
type Answer = 'accept' | 'reject' | 'ignore' | 'leave';

/** A listed game server that answers joins as `answer` says, and records them. */
async function gameServer(t: TestMs, name: string, info: Record<string, unknown>, answer: Answer) {
  const gs = await t.connect();
  assert.equal((await gs.register({ name, ...info })).value.success, true);
  const asked: Received[] = [];
  const id = await waitFor(`${name} listed`, async () => (await t.list()).find((s) => s.name === name)?.id as string);
  void (async () => {
    for (;;) {
      const request = await gs.next(60_000).catch(() => undefined);
      if (request === undefined) return;
      if ((request.value.metadata as { type: number }).type !== 2) continue;
      asked.push(request);
      if (answer === 'accept') gs.answer(request);
      else if (answer === 'reject') gs.answer(request, { type: 1, msg: `${name} says no` });
      else if (answer === 'leave') gs.socket.destroy();
    }
  })();
  return { gs, id: String(id), asked };
}

const quickPlay = (t: TestMs, body: Record<string, unknown>) => postJson(`${t.url}/v2/client/quickplay`, body);

const metric = async (t: TestMs, line: string): Promise<number> => {
  const text = (await fetchRaw(`${t.url}/metrics`)).text;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? Number.NaN : Number(found.split(' ').pop());
};

describe('quick play: the masterserver picks a server and brokers the join', () => {
  let t: TestMs;
  const servers: TestGameServer[] = [];
  before(async () => {
    t = await startMs({ joinTimeout: 900 });
  });
  after(async () => {
    for (const gs of servers) gs.socket.destroy();
    await t.close();
  });
  const listed = async (name: string, info: Record<string, unknown>, answer: Answer) => {
    const server = await gameServer(t, name, info, answer);
    servers.push(server.gs);
    return server;
  };
  const drop = async (...names: string[]) => {
    for (const gs of servers.splice(0)) gs.socket.destroy();
    await waitFor('the list empty', async () => !(await t.list()).some((s) => names.includes(s.name as string)));
  };

  it('joins the fullest server of the playlist with a free slot and no password; the answer names it', async () => {
    const few = await listed('ctf-few', { port: 39001, playlist: 'ctf', curPlayers: 2 }, 'accept');
    const most = await listed('ctf-most', { port: 39002, playlist: 'ctf', curPlayers: 8 }, 'accept');
    await listed('ctf-full', { port: 39003, playlist: 'ctf', curPlayers: 16, maxPlayers: 16 }, 'accept');
    await listed('ctf-locked', { port: 39004, playlist: 'ctf', curPlayers: 12, password: 'pw' }, 'accept');
    await listed('tdm-busy', { port: 39005, playlist: 'tdm', curPlayers: 15 }, 'accept');
    const res = await quickPlay(t, { playlist: 'ctf', ...PLAYER });
    assert.equal(res.status, 200, res.text);
    const body = res.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['conv', 'ip', 'port', 'serverId', 'sessionToken']);
    assert.equal(body.serverId, most.id);
    assert.equal(body.port, 39002);
    assert.equal(most.asked.length, 1);
    assert.equal(most.asked[0]?.value.username, 'Viper');
    assert.equal(most.asked[0]?.value.sessionToken, body.sessionToken);
    assert.equal(few.asked.length, 0);
    // Without a wish, the fullest server of any playlist that fits.
    const any = (await quickPlay(t, PLAYER)).json as { serverId: string };
    assert.equal(any.serverId, (await t.list()).find((s) => s.name === 'tdm-busy')?.id);
    // A map narrows it too.
    assert.equal((await quickPlay(t, { map: 'mp_nope', ...PLAYER })).status, 404);
    await drop('ctf-few', 'ctf-most', 'ctf-full', 'ctf-locked', 'tdm-busy');
  });

  it('a server that refuses, leaves or does not answer within a third of the join timeout is followed by the next', async () => {
    const refuses = await listed('a-refuses', { port: 39011, playlist: 'fd', curPlayers: 9 }, 'reject');
    const silent = await listed('b-silent', { port: 39012, playlist: 'fd', curPlayers: 8 }, 'ignore');
    const accepts = await listed('c-accepts', { port: 39013, playlist: 'fd', curPlayers: 7 }, 'accept');
    const started = performance.now();
    const res = await quickPlay(t, { playlist: 'fd', ...PLAYER });
    const ms = performance.now() - started;
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json as { serverId: string }).serverId, accepts.id);
    assert.deepEqual([refuses.asked.length, silent.asked.length, accepts.asked.length], [1, 1, 1]);
    assert.ok(ms >= 250 && ms < 900, `within one join timeout, after the silent one's third (${Math.round(ms)} ms)`);
    await drop('a-refuses', 'b-silent', 'c-accepts');
    const leaves = await listed('d-leaves', { port: 39014, playlist: 'fd', curPlayers: 5 }, 'leave');
    const next = await listed('e-accepts', { port: 39015, playlist: 'fd', curPlayers: 4 }, 'accept');
    const after = await quickPlay(t, { playlist: 'fd', ...PLAYER });
    assert.equal((after.json as { serverId: string }).serverId, next.id);
    assert.equal(leaves.asked.length, 1);
    await drop('d-leaves', 'e-accepts');
  });

  it('tries at most three servers, then answers 404 NO_SERVER_AVAILABLE with how many it tried', async () => {
    const refusing = [];
    for (let i = 0; i < 4; i++)
      refusing.push(await listed(`no-${i}`, { port: 39020 + i, playlist: 'lts', curPlayers: 10 - i }, 'reject'));
    const res = await quickPlay(t, { playlist: 'lts', ...PLAYER });
    assert.equal(res.status, 404);
    assert.equal(errorCode(res), 'NO_SERVER_AVAILABLE');
    assert.equal((res.json as { tried: number }).tried, 3);
    assert.deepEqual(
      refusing.map((s) => s.asked.length),
      [1, 1, 1, 0],
      'the fullest three, the fourth never asked',
    );
    const none = await quickPlay(t, { playlist: 'nobody-plays-this', ...PLAYER });
    assert.equal(none.status, 404);
    assert.deepEqual(none.json, {
      error: { code: 'NO_SERVER_AVAILABLE', msg: 'No listed server that fits could take the player' },
      tried: 0,
    });
    await drop(...refusing.map((_, i) => `no-${i}`));
  });

  it('counts quick plays by outcome and the servers tried by how they answered', async () => {
    const joined = await metric(t, 'masterserver_quickplays_total{outcome="joined"}');
    const none = await metric(t, 'masterserver_quickplays_total{outcome="none"}');
    const rejected = await metric(t, 'masterserver_quickplay_tries_total{outcome="rejected"}');
    const slow = await metric(t, 'masterserver_quickplay_tries_total{outcome="slow"}');
    assert.ok(joined >= 4 && none >= 3 && rejected >= 4 && slow >= 1, `${joined} ${none} ${rejected} ${slow}`);
  });

  it('bad bodies are 400 naming the field; a join’s other fields are not needed', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /the body must be a JSON object/],
      [{ playlist: '', ...PLAYER }, /^playlist/],
      [{ playlist: 7, ...PLAYER }, /^playlist/],
      [{ map: 'm'.repeat(65), ...PLAYER }, /^map/],
      [{ playlist: 'ctf' }, /^username/],
      [{ ...PLAYER, username: 'a\u202eb' }, /^username/],
    ];
    for (const [body, message] of cases) {
      const res = await quickPlay(t, body as Record<string, unknown>);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match((res.json as { error: { msg: string } }).error.msg, message);
    }
    assert.equal((await quickPlay(t, { username: 'NoTag' })).status, 404, 'no clantag is fine');
  });
});

describe('quick play: reachability, bans', () => {
  it('skips a server known to be unreachable; one still being checked may be joined', async () => {
    const t = await startMs({ verifyReachability: 'mark' });
    const silent = await GamePort.bind('no');
    try {
      const unreachable = await gameServer(
        t,
        'unreachable',
        { port: silent.port, playlist: 'ps', curPlayers: 9 },
        'accept',
      );
      await waitFor(
        'found unreachable',
        async () => (await t.list()).find((s) => s.name === 'unreachable')?.reachable === false,
        4000,
      );
      const unknown = await gameServer(t, 'unknown', { port: 39031, playlist: 'ps', curPlayers: 1 }, 'accept');
      const res = await quickPlay(t, { playlist: 'ps', ...PLAYER });
      assert.equal((res.json as { serverId: string }).serverId, unknown.id);
      assert.equal(unreachable.asked.length, 0);
      unreachable.gs.socket.destroy();
      unknown.gs.socket.destroy();
    } finally {
      await silent.close();
      await t.close();
    }
  });

  it('a banned player gets 403 BANNED, as for a join', async () => {
    const t = await startAdminMs();
    try {
      const gs = await gameServer(t, 'open', { port: 39041, playlist: 'ctf' }, 'accept');
      assert.equal(
        (await t.admin('POST', '/v2/admin/bans', { kind: 'player', value: 'Griefer', reason: 'griefing' })).status,
        201,
      );
      await waitFor('the ban applies', async () => (await quickPlay(t, { username: 'Griefer' })).status === 403);
      const res = await quickPlay(t, { username: 'Griefer' });
      assert.equal(errorCode(res), 'BANNED');
      assert.equal(gs.asked.length, 0);
      assert.equal((await quickPlay(t, { username: 'Friend' })).status, 200);
      gs.gs.socket.destroy();
    } finally {
      await t.close();
    }
  });
});
