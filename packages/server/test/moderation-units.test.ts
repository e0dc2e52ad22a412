import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '@masterserver/testing';
import { IpRateLimit } from '../src/http/ip-rate-limit.js';
import { silentLogger } from '../src/index.js';
import { BanList } from '../src/moderation/ban-list.js';
import { checkNewBan, type NewBan, parseBanDuration } from '../src/moderation/bans.js';
import { CLI_ACTOR, MemoryModerationStore } from '../src/moderation/moderation-store.js';

const NOW = 1_700_000_000_000;

function newBan(body: Record<string, unknown>): NewBan {
  const ban = checkNewBan({ reason: 'r', ...body }, NOW);
  if ('field' in ban) assert.fail(ban.message);
  return ban;
}

describe('checkNewBan', () => {
  it('stores addresses in canonical form, a single address without its prefix', () => {
    assert.equal(newBan({ kind: 'ip', value: '203.0.113.7' }).value, '203.0.113.7');
    assert.equal(newBan({ kind: 'ip', value: '203.0.113.7/32' }).value, '203.0.113.7');
    assert.equal(newBan({ kind: 'ip', value: ' 203.0.113.0/24 ' }).value, '203.0.113.0/24');
    assert.equal(newBan({ kind: 'ip', value: '::ffff:198.51.100.2' }).value, '198.51.100.2');
    assert.equal(newBan({ kind: 'ip', value: '2001:0DB8:0000::0001' }).value, '2001:db8::1');
    assert.equal(newBan({ kind: 'ip', value: '2001:db8::/48' }).value, '2001:db8::/48');
  });

  it('cleans a name as the list shows names, keeps a player as given, cleans the reason', () => {
    assert.equal(newBan({ kind: 'name', value: '  Copy\u200bCat  ' }).value, 'CopyCat');
    assert.equal(newBan({ kind: 'player', value: ' Viper ' }).value, ' Viper ');
    assert.equal(newBan({ kind: 'player', value: 'x', reason: ' spam\u0007  again ' }).reason, 'spam again');
  });

  it('a duration sets expiresAt from now; none is for ever', () => {
    assert.equal(newBan({ kind: 'player', value: 'x', for: '1d' }).expiresAt, NOW + 86_400_000);
    assert.equal(newBan({ kind: 'player', value: 'x' }).expiresAt, null);
    assert.equal(newBan({ kind: 'player', value: 'x', for: null }).expiresAt, null);
    assert.equal(newBan({ kind: 'player', value: 'x' }).createdAt, NOW);
  });

  it('durations: ms, s, m, h, d; more than ten years or not above zero is refused', () => {
    assert.equal(parseBanDuration('500ms'), 500);
    assert.equal(parseBanDuration('1.5h'), 5_400_000);
    assert.equal(parseBanDuration('3650d'), 3650 * 86_400_000);
    for (const bad of ['3651d', '0d', '1w', 'd', '-1h', '1 h x'])
      assert.throws(() => parseBanDuration(bad), RangeError, bad);
  });

  it('everything-matching values pass with force', () => {
    assert.equal(newBan({ kind: 'ip', value: '::/0', force: true }).value, '::/0');
    assert.equal(newBan({ kind: 'name', value: '', force: true }).value, '');
  });
});

describe('BanList', () => {
  async function listOf(...bans: NewBan[]): Promise<{ list: BanList; store: MemoryModerationStore }> {
    const store = new MemoryModerationStore();
    for (const ban of bans) await store.addBan(ban, CLI_ACTOR);
    const list = new BanList(store, silentLogger);
    await list.start(3_600_000);
    return { list, store };
  }

  it('matches game servers by address range (IPv4 and IPv6) and by name substring, case-insensitive', async () => {
    const { list } = await listOf(
      { kind: 'ip', value: '10.1.0.0/16', reason: 'v4', createdAt: 0, expiresAt: null },
      { kind: 'ip', value: '2001:db8::/32', reason: 'v6', createdAt: 0, expiresAt: null },
      { kind: 'name', value: 'ÜBER', reason: 'name', createdAt: 0, expiresAt: null },
    );
    assert.equal(list.serverBan('10.1.200.3', 'x')?.reason, 'v4');
    assert.equal(list.serverBan('10.2.0.1', 'x'), undefined);
    assert.equal(list.serverBan('2001:db8:ffff::1', undefined)?.reason, 'v6');
    assert.equal(list.serverBan('2001:db9::1', 'x'), undefined);
    assert.equal(list.serverBan('192.0.2.1', 'die übermenschen')?.reason, 'name');
    assert.equal(
      list.serverBan('192.0.2.1', undefined),
      undefined,
      'an unlisted connection is matched by address only',
    );
    list.stop();
  });

  it('matches players by exact username or JWT sub, and by address', async () => {
    const { list } = await listOf(
      { kind: 'player', value: 'Viper', reason: 'name', createdAt: 0, expiresAt: null },
      { kind: 'player', value: 'sub-1', reason: 'sub', createdAt: 0, expiresAt: null },
      { kind: 'ip', value: '192.0.2.9', reason: 'ip', createdAt: 0, expiresAt: null },
    );
    assert.equal(list.playerBan({ ip: '192.0.2.1', username: 'Viper' })?.reason, 'name');
    assert.equal(list.playerBan({ ip: '192.0.2.1', username: 'viper' }), undefined);
    assert.equal(list.playerBan({ ip: '192.0.2.1', username: 'x', sub: 'sub-1' })?.reason, 'sub');
    assert.equal(list.playerBan({ ip: '192.0.2.9', username: 'x' })?.reason, 'ip');
    assert.equal(
      list.playerBan({ ip: '192.0.2.1', username: 'sub-1' })?.reason,
      'sub',
      'a username may equal a banned sub',
    );
    list.stop();
  });

  it('an expired ban stops matching at once, and leaves the list at the next reload', async () => {
    const soon = Date.now() + 150;
    const { list } = await listOf({ kind: 'name', value: 'x', reason: 'short', createdAt: 0, expiresAt: soon });
    assert.equal(list.serverBan('192.0.2.1', 'x', soon - 1)?.reason, 'short');
    assert.equal(list.serverBan('192.0.2.1', 'x', soon), undefined);
    assert.equal(list.active(soon - 1).length, 1);
    const generation = list.generation;
    await waitFor('the expiry', () => Date.now() > soon, 1000);
    await list.refresh();
    assert.equal(list.generation, generation + 1, 'rebuilt without the expired ban');
    assert.deepEqual(list.active(), []);
    list.stop();
  });

  it('hears a change of its store at once and tells its listeners', async () => {
    const { list, store } = await listOf();
    let heard = 0;
    list.onChange(() => heard++);
    const ban = await store.addBan(
      { kind: 'player', value: 'p', reason: 'r', createdAt: 0, expiresAt: null },
      CLI_ACTOR,
    );
    await waitFor('the new ban', () => list.playerBan({ ip: '192.0.2.1', username: 'p' }) !== undefined, 500);
    await store.removeBan(ban.id, CLI_ACTOR, 1);
    await waitFor('the lift', () => list.playerBan({ ip: '192.0.2.1', username: 'p' }) === undefined, 500);
    assert.equal(heard, 2);
    list.stop();
  });
});

describe('IpRateLimit', () => {
  it('allows count requests per address in each window, then none until the next window', () => {
    const limit = new IpRateLimit({ count: 2, windowMs: 1000 });
    assert.deepEqual(
      [limit.take('a', 0), limit.take('a', 10), limit.take('a', 20), limit.take('b', 30)],
      [true, true, false, true],
    );
    assert.equal(limit.retryAfter(20), 1);
    assert.equal(limit.take('a', 1000), true, 'a new window');
  });
});
