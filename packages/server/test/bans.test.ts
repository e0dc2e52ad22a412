import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, fetchRaw, postJson, TestGameServer, waitFor } from '@masterserver/testing';
import { SignJWT } from 'jose';
import { JwtPlayerAuth } from '../src/index.js';
import { TOKEN } from './helpers.js';
import { type AdminMs, closeOf, errorCode, startAdminMs } from './moderation-helpers.js';

/** A game server connecting as if from `ip` (through the trusted proxy 127.0.0.1). */
const from = (t: AdminMs, ip: string) => TestGameServer.connect(t.wsUrl, TOKEN, { headers: { 'x-forwarded-for': ip } });

const BAN_KEYS = ['id', 'kind', 'value', 'reason', 'createdAt', 'expiresAt'];

describe('bans – game servers', () => {
  let t: AdminMs;
  before(async () => {
    t = await startAdminMs();
  });
  after(() => t.close());

  /** Posts a ban and returns it; lifts it after the test. */
  const bans: string[] = [];
  async function ban(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await t.admin('POST', '/v2/admin/bans', body);
    assert.equal(res.status, 201, res.text);
    const created = res.json as Record<string, unknown>;
    bans.push(String(created.id));
    return created;
  }
  const liftAll = async () => {
    for (const id of bans.splice(0)) await t.admin('DELETE', `/v2/admin/bans/${id}`);
  };

  it('an ip ban closes the listed servers it matches with 4011 and its reason within 1 s; the others stay', async () => {
    const banned = await from(t, '203.0.113.50');
    assert.equal((await banned.register({ name: 'flooder', port: 38001 })).value.success, true);
    const other = await from(t, '198.51.100.1');
    assert.equal((await other.register({ name: 'neighbour', port: 38002 })).value.success, true);
    const posted = performance.now();
    const created = await ban({ kind: 'ip', value: '203.0.113.0/24', reason: 'UDP flood from this range' });
    assert.deepEqual(Object.keys(created), BAN_KEYS);
    assert.deepEqual(
      { ...created, id: 'ID', createdAt: 'T' },
      {
        id: 'ID',
        kind: 'ip',
        value: '203.0.113.0/24',
        reason: 'UDP flood from this range',
        createdAt: 'T',
        expiresAt: null,
      },
    );
    assert.deepEqual(await closeOf(banned), { code: 4011, reason: 'UDP flood from this range' });
    assert.ok(performance.now() - posted < 1000, 'within 1 s');
    assert.deepEqual(
      (await t.list()).map((s) => s.name),
      ['neighbour'],
    );
    assert.equal((await other.register({ name: 'neighbour', port: 38002 })).value.success, true);
    other.socket.destroy();
    await liftAll();
  });

  it('a registration from a banned address gets error 6 "Banned: REASON" and then close 4011 with the reason', async () => {
    await ban({ kind: 'ip', value: '192.0.2.77', reason: 'ban evasion' });
    const gs = await from(t, '192.0.2.77');
    const answer = await gs.register({ name: 'innocent name' }, 41);
    assert.equal(
      answer.text,
      '{"metadata":{"type":-1,"id":41},"success":false,"error":{"type":6,"msg":"Banned: ban evasion"}}',
    );
    assert.deepEqual(await closeOf(gs), { code: 4011, reason: 'ban evasion' });
    assert.equal((await t.list()).length, 0);
    const next = await from(t, '192.0.2.78');
    assert.equal((await next.register({ name: 'next door' })).value.success, true, 'a /32 bans one address');
    next.socket.destroy();
    await liftAll();
  });

  it('a name ban is a case-insensitive substring of the cleaned name: listed matches are closed, new ones refused', async () => {
    const listed = await t.connect();
    await listed.register({ name: 'The COPYCAT Server', port: 38010 });
    const unrelated = await t.connect();
    await unrelated.register({ name: 'Copy Cat (not the same)', port: 38011 });
    await ban({ kind: 'name', value: 'copycat', reason: 'impersonates [NS] CopyCat' });
    assert.deepEqual(await closeOf(listed), { code: 4011, reason: 'impersonates [NS] CopyCat' });
    const fresh = await t.connect();
    // Zero-width characters do not hide it: the ban matches the name as the list would show it.
    const answer = await fresh.register({ name: '[EU] copy\u200bcat 24/7', port: 38012 });
    assert.deepEqual(answer.value.error, { type: 6, msg: 'Banned: impersonates [NS] CopyCat' });
    assert.equal((await closeOf(fresh)).code, 4011);
    assert.deepEqual(
      (await t.list()).map((s) => s.name),
      ['Copy Cat (not the same)'],
    );
    unrelated.socket.destroy();
    await liftAll();
  });

  it('a listed server that renames itself into a banned name is refused with error 6 and closed with 4011', async () => {
    await ban({ kind: 'name', value: 'slur', reason: 'offensive name' });
    const gs = await t.connect();
    assert.equal((await gs.register({ name: 'harmless', port: 38013 })).value.success, true);
    assert.equal((await gs.register({ name: 'now a SLUR', port: 38013 })).value.success, false);
    assert.deepEqual(await closeOf(gs), { code: 4011, reason: 'offensive name' });
    assert.equal((await t.list()).length, 0);
    await liftAll();
  });

  it('IPv6: an address inside a banned /32 is refused, one outside is listed', async () => {
    await ban({ kind: 'ip', value: '2001:DB8::/32', reason: 'v6 range' });
    const inside = await from(t, '2001:db8:1::5');
    assert.deepEqual((await inside.register({ port: 38020 })).value.error, { type: 6, msg: 'Banned: v6 range' });
    assert.equal((await closeOf(inside)).code, 4011);
    const outside = await from(t, '2001:db9::1');
    assert.equal((await outside.register({ port: 38021 })).value.success, true);
    const listed = (await t.admin('GET', '/v2/admin/bans')).json as Array<{ value: string }>;
    assert.deepEqual(
      listed.map((b) => b.value),
      ['2001:db8::/32'],
      'stored in canonical form',
    );
    outside.socket.destroy();
    await liftAll();
  });

  it('a lifted ban stops applying: DELETE /v2/admin/bans/{id} → 204, and the address registers again', async () => {
    const created = await ban({ kind: 'ip', value: '192.0.2.90', reason: 'temporary' });
    const refused = await from(t, '192.0.2.90');
    assert.equal((await refused.register({ port: 38030 })).value.success, false);
    assert.equal((await t.admin('DELETE', `/v2/admin/bans/${created.id}`)).status, 204);
    bans.splice(bans.indexOf(String(created.id)), 1);
    assert.deepEqual((await t.admin('GET', '/v2/admin/bans')).json, []);
    const again = await from(t, '192.0.2.90');
    assert.equal((await again.register({ port: 38030 })).value.success, true);
    const gone = await t.admin('DELETE', `/v2/admin/bans/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(errorCode(gone), 'BAN_NOT_FOUND');
    again.socket.destroy();
  });

  it('a ban with a duration expires on its own: refused before, listed after, and no longer in GET /v2/admin/bans', async () => {
    const created = await ban({ kind: 'name', value: 'cooldown', reason: 'cool down', for: '1500ms' });
    const expiresAt = Date.parse(String(created.expiresAt));
    assert.ok(Math.abs(expiresAt - (Date.parse(String(created.createdAt)) + 1500)) <= 1, String(created.expiresAt));
    const early = await t.connect();
    assert.equal((await early.register({ name: 'cooldown server', port: 38040 })).value.success, false);
    assert.equal(((await t.admin('GET', '/v2/admin/bans')).json as unknown[]).length, 1);
    await delay(Math.max(0, expiresAt - Date.now() + 20));
    const late = await t.connect();
    assert.equal((await late.register({ name: 'cooldown server', port: 38040 })).value.success, true);
    assert.deepEqual((await t.admin('GET', '/v2/admin/bans')).json, []);
    late.socket.destroy();
    bans.splice(0);
  });

  it('a ban matching every address needs "force": true; with it, every IPv4 registration is refused', async () => {
    const refused = await t.admin('POST', '/v2/admin/bans', { kind: 'ip', value: '0.0.0.0/0', reason: 'lockdown' });
    assert.equal(refused.status, 400);
    const forced = await ban({ kind: 'ip', value: '0.0.0.0/0', reason: 'lockdown', force: true });
    assert.equal(forced.value, '0.0.0.0/0');
    const gs = await from(t, '8.8.8.8');
    assert.deepEqual((await gs.register({ port: 38050 })).value.error, { type: 6, msg: 'Banned: lockdown' });
    await liftAll();
  });

  it('a long reason is cut to the 123 bytes a close frame holds, without splitting a character', async () => {
    const reason = `${'é'.repeat(100)} end`;
    await ban({ kind: 'ip', value: '192.0.2.91', reason });
    const gs = await from(t, '192.0.2.91');
    assert.deepEqual((await gs.register({ port: 38060 })).value.error, { type: 6, msg: `Banned: ${reason}` });
    const { reason: closeReason } = await closeOf(gs);
    assert.equal(closeReason, 'é'.repeat(61));
    await liftAll();
  });
});

describe('bans – bad input changes nothing', () => {
  let t: AdminMs;
  before(async () => {
    t = await startAdminMs();
  });
  after(() => t.close());

  const reason = 'r';
  for (const [label, body, field] of [
    ['malformed JSON', '{"kind":', undefined],
    ['a JSON array', '[]', 'body'],
    ['an unknown kind', { kind: 'mac', value: 'x', reason }, 'kind'],
    ['no kind', { value: 'x', reason }, 'kind'],
    ['a bad address', { kind: 'ip', value: '300.1.2.3', reason }, 'value'],
    ['a bad CIDR prefix', { kind: 'ip', value: '10.0.0.0/33', reason }, 'value'],
    ['a bad IPv6 prefix', { kind: 'ip', value: '2001:db8::/129', reason }, 'value'],
    ['a value that is not a string', { kind: 'ip', value: 5, reason }, 'value'],
    ['0.0.0.0/0 without force', { kind: 'ip', value: '0.0.0.0/0', reason }, 'value'],
    ['::/0 without force', { kind: 'ip', value: '::/0', reason }, 'value'],
    ['an empty name without force', { kind: 'name', value: '', reason }, 'value'],
    ['a name of blanks without force', { kind: 'name', value: ' \u200b ', reason }, 'value'],
    ['an empty player', { kind: 'player', value: '', reason, force: true }, 'value'],
    ['no reason', { kind: 'ip', value: '192.0.2.1' }, 'reason'],
    ['an empty reason', { kind: 'ip', value: '192.0.2.1', reason: '  ' }, 'reason'],
    ['a bad duration', { kind: 'ip', value: '192.0.2.1', reason, for: 'forever' }, 'for'],
    ['a zero duration', { kind: 'ip', value: '192.0.2.1', reason, for: '0s' }, 'for'],
    ['a duration that is a number', { kind: 'ip', value: '192.0.2.1', reason, for: 60 }, 'for'],
    ['a force that is not a boolean', { kind: 'name', value: '', reason, force: 'yes' }, 'force'],
  ] as const) {
    it(`${label} → 400 BAD_REQUEST${field === undefined ? '' : ` naming ${field}`}`, async () => {
      const res = await t.admin('POST', '/v2/admin/bans', body);
      assert.equal(res.status, 400, res.text);
      assert.equal(errorCode(res), 'BAD_REQUEST');
      const msg = (res.json as { error: { msg: string } }).error.msg;
      if (field !== undefined) assert.ok(msg.startsWith(`${field}:`), msg);
      assert.deepEqual((await t.admin('GET', '/v2/admin/bans')).json, []);
      assert.deepEqual((await t.admin('GET', '/v2/admin/audit')).json, []);
    });
  }

  it('a body over 8 KiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await t.admin('POST', '/v2/admin/bans', { kind: 'name', value: 'x', reason: 'y'.repeat(9000) });
    assert.equal(res.status, 413);
    assert.deepEqual((await t.admin('GET', '/v2/admin/bans')).json, []);
  });

  it('accepts 12h and 7d as durations, and a ban of a username', async () => {
    for (const [value, duration, ms] of [
      ['a', '12h', 12 * 3_600_000],
      ['b', '7d', 7 * 86_400_000],
    ] as const) {
      const created = (await t.admin('POST', '/v2/admin/bans', { kind: 'player', value, reason, for: duration }))
        .json as { createdAt: string; expiresAt: string };
      assert.equal(Date.parse(created.expiresAt) - Date.parse(created.createdAt), ms);
    }
  });
});

describe('bans – players', () => {
  let t: AdminMs;
  let gs: TestGameServer;
  let serverId: string;
  before(async () => {
    t = await startAdminMs({ joinTimeout: 2000 });
    gs = await t.connect();
    await gs.register({ name: 'joinable' });
    serverId = (await t.list())[0]?.id as string;
  });
  after(() => t.close());

  const join = (username: string, headers: Record<string, string> = {}) =>
    postJson(`${t.url}/v2/client/join`, { serverId, username, clantag: '' }, headers);

  it('a banned username gets 403 BANNED with the reason, and the game server never hears of it; others join', async () => {
    const created = (
      await t.admin('POST', '/v2/admin/bans', { kind: 'player', value: 'Griefer', reason: 'team killing' })
    ).json as { id: string };
    const refused = await join('Griefer');
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.json, { error: { code: 'BANNED', msg: 'Banned: team killing' } });
    const other = join('griefer');
    const request = await gs.next(3000);
    assert.equal(
      request.value.username,
      'griefer',
      'exact and case-sensitive: another player, and the first the game server hears of',
    );
    gs.answer(request);
    assert.equal((await other).status, 200);
    await t.admin('DELETE', `/v2/admin/bans/${created.id}`);
  });

  it('an ip ban refuses joins from that address (behind a trusted proxy, the client address)', async () => {
    const created = (await t.admin('POST', '/v2/admin/bans', { kind: 'ip', value: '203.0.113.0/28', reason: 'cheats' }))
      .json as { id: string };
    const refused = await join('Someone', { 'x-forwarded-for': '203.0.113.5' });
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'BANNED');
    const allowed = join('Someone', { 'x-forwarded-for': '203.0.113.17' });
    gs.answer(await gs.next(3000));
    assert.equal((await allowed).status, 200);
    await t.admin('DELETE', `/v2/admin/bans/${created.id}`);
    const metrics = (await fetchRaw(`${t.url}/metrics`)).text;
    assert.match(metrics, /masterserver_joins_total\{outcome="banned"\} 2/);
  });
});

describe('bans – players with JWTs', () => {
  it('a player ban matches the JWT sub as well as the username', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!';
    const t = await startAdminMs({ playerAuth: new JwtPlayerAuth(secret) });
    try {
      const gs = await t.connect();
      await gs.register({ name: 'jwt server' });
      const serverId = (await t.list())[0]?.id as string;
      const bearer = async (sub: string, username: string) =>
        `Bearer ${await new SignJWT({ username, clantag: '' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(sub)
          .setExpirationTime('5m')
          .sign(Buffer.from(secret))}`;
      await t.admin('POST', '/v2/admin/bans', { kind: 'player', value: 'account-42', reason: 'ban by account' });
      const refused = await postJson(
        `${t.url}/v2/client/join`,
        { serverId },
        { authorization: await bearer('account-42', 'NewName') },
      );
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.json, { error: { code: 'BANNED', msg: 'Banned: ban by account' } });
      const pending = postJson(
        `${t.url}/v2/client/join`,
        { serverId },
        { authorization: await bearer('account-43', 'NewName') },
      );
      gs.answer(await gs.next(3000));
      assert.equal((await pending).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('bans – restarts', () => {
  it('a restart on the same data dir keeps the bans and the audit log', async () => {
    const first = await startAdminMs();
    const admin = { token: first.adminToken, id: first.adminId };
    await first.admin('POST', '/v2/admin/bans', { kind: 'name', value: 'persist', reason: 'kept across restarts' });
    const audit = (await first.admin('GET', '/v2/admin/audit')).json;
    const bans = (await first.admin('GET', '/v2/admin/bans')).json;
    await first.close();
    const second = await startAdminMs({}, first.dataDir, admin);
    try {
      assert.deepEqual((await second.admin('GET', '/v2/admin/bans')).json, bans);
      assert.deepEqual((await second.admin('GET', '/v2/admin/audit')).json, audit);
      const gs = await second.connect();
      assert.deepEqual((await gs.register({ name: 'persisted name' })).value.error, {
        type: 6,
        msg: 'Banned: kept across restarts',
      });
      assert.equal((await closeOf(gs)).code, 4011);
    } finally {
      await second.close();
    }
  });

  it('a ban written to the store by another process applies within 1 s', async () => {
    const t = await startAdminMs();
    try {
      const gs = await t.connect();
      await gs.register({ name: 'watched' });
      // Another process: its own connection to the same SQLite file.
      const { SqliteModerationStore } = await import('../src/moderation/sqlite-moderation-store.js');
      const other = new SqliteModerationStore(t.dataDir);
      const started = performance.now();
      await other.addBan(
        { kind: 'name', value: 'watched', reason: 'from elsewhere', createdAt: Date.now(), expiresAt: null },
        { id: 'cli', name: 'cli' },
      );
      await other.close();
      assert.deepEqual(await closeOf(gs, 1500), { code: 4011, reason: 'from elsewhere' });
      assert.ok(performance.now() - started < 1000);
      await waitFor('delisted', async () => (await t.list()).length === 0, 500);
    } finally {
      await t.close();
    }
  });
});
