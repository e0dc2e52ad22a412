import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { SqliteModerationStore } from '../src/moderation/sqlite-moderation-store.js';
import { runCli, runCliAsync, startServe, tempDir } from './cli-helpers.js';
import { closeOf } from './moderation-helpers.js';

const fast = ['--listen', '127.0.0.1:0', '--ping-interval', '500ms', '--pong-timeout', '500ms'];

/** The audit log of the store in `dataDir`, oldest first, as `action target actor`. */
async function auditOf(dataDir: string): Promise<string[]> {
  const store = new SqliteModerationStore(dataDir);
  try {
    return (await store.auditLog(100)).reverse().map((e) => `${e.action} ${e.target} ${e.actor.id}/${e.actor.name}`);
  } finally {
    await store.close();
  }
}

describe('masterserver token – roles', () => {
  it('create --admin makes an admin token; list shows each role, plain and --json; both are audited as cli', async () => {
    const dataDir = tempDir();
    const admin = runCli(['token', 'create', '--admin', '--name', 'ops', '--data-dir', dataDir]);
    assert.equal(admin.status, 0, admin.stderr);
    assert.match(admin.stdout, /^Created admin token [0-9a-f]{8} \(ops\)/);
    const token = admin.stdout.trimEnd().split('\n').at(-1) as string;
    assert.match(token, /^[0-9a-f]{8}\.[A-Za-z0-9_-]{43}$/);
    const reg = JSON.parse(runCli(['token', 'create', '--name', 'eu', '--json', '--data-dir', dataDir]).stdout) as {
      id: string;
    };
    const lines = runCli(['token', 'list', '--data-dir', dataDir]).stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split('\t').slice(1, 3)),
      [
        ['ops', 'admin'],
        ['eu', 'registration'],
      ],
    );
    const listed = JSON.parse(runCli(['token', 'list', '--json', '--data-dir', dataDir]).stdout) as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(Object.keys(listed[0] ?? {}), ['id', 'name', 'role', 'createdAt', 'lastUsedAt', 'revoked']);
    assert.deepEqual(
      listed.map((t) => t.role),
      ['admin', 'registration'],
    );
    assert.equal(runCli(['token', 'revoke', reg.id, '--data-dir', dataDir]).status, 0);
    assert.equal(runCli(['token', 'revoke', reg.id, '--data-dir', dataDir]).status, 0, 'again: nothing changes');
    const adminId = token.split('.')[0] as string;
    assert.deepEqual(await auditOf(dataDir), [
      `token.create token:${adminId} cli/cli`,
      `token.create token:${reg.id} cli/cli`,
      `token.revoke token:${reg.id} cli/cli`,
    ]);
  });

  it('--admin goes with token create only', () => {
    const result = runCli(['token', 'list', '--admin', '--data-dir', tempDir()]);
    assert.equal(result.status, 2);
    assert.match(result.stderr.trim(), /--admin/);
  });
});

describe('masterserver ban', () => {
  it('add prints the id (or the ban with --json); list shows bans in force (--all: expired too); remove lifts; all audited', async () => {
    const dataDir = tempDir();
    const dir = ['--data-dir', dataDir];
    const added = runCli(['ban', 'add', 'ip', '203.0.113.0/24', '--reason', 'flood', '--for', '1d', ...dir]);
    assert.equal(added.status, 0, added.stderr);
    const id = added.stdout.trim();
    assert.match(id, /^[0-9a-f]{8}$/);
    const json = runCli(['ban', 'add', 'name', 'CopyCat', '--reason', 'impersonation', '--json', ...dir]);
    const named = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(named), ['id', 'kind', 'value', 'reason', 'createdAt', 'expiresAt']);
    assert.equal(named.expiresAt, null);
    const short = JSON.parse(
      runCli(['ban', 'add', 'player', 'Griefer', '--reason', 'short', '--for', '1ms', '--json', ...dir]).stdout,
    ) as { id: string; expiresAt: string };
    await waitFor('the short ban to expire', () => Date.now() > Date.parse(short.expiresAt), 1000, 2);

    const list = runCli(['ban', 'list', ...dir])
      .stdout.trimEnd()
      .split('\n');
    assert.equal(list.length, 2, list.join('\n'));
    const [first] = list as [string];
    const fields = first.split('\t');
    assert.deepEqual(fields.slice(0, 4), [id, 'ip', '203.0.113.0/24', 'flood']);
    assert.match(fields[5] as string, /^\d{4}-\d\d-\d\dT/);
    assert.equal(list[1]?.split('\t')[5], 'never');
    const all = runCli(['ban', 'list', '--all', ...dir])
      .stdout.trimEnd()
      .split('\n');
    assert.equal(all.length, 3);
    assert.ok(all[2]?.startsWith(short.id) && all[2].endsWith('\texpired'), all[2]);
    const listedJson = JSON.parse(runCli(['ban', 'list', '--json', ...dir]).stdout) as Array<{ id: string }>;
    assert.deepEqual(
      listedJson.map((b) => b.id),
      [id, named.id],
    );

    const removed = runCli(['ban', 'remove', id, '--json', ...dir]);
    assert.deepEqual(JSON.parse(removed.stdout), { id, removed: true });
    const again = runCli(['ban', 'remove', id, ...dir]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no ban has the id/);
    assert.deepEqual(await auditOf(dataDir), [
      `ban.add ban:${id} cli/cli`,
      `ban.add ban:${named.id} cli/cli`,
      `ban.add ban:${short.id} cli/cli`,
      `ban.remove ban:${id} cli/cli`,
    ]);
  });

  for (const [args, named] of [
    [['add', 'mac', 'x', '--reason', 'r'], 'KIND'],
    [['add', 'ip', '300.1.2.3', '--reason', 'r'], 'VALUE'],
    [['add', 'ip', '10.0.0.0/40', '--reason', 'r'], 'VALUE'],
    [['add', 'ip', '0.0.0.0/0', '--reason', 'r'], 'force'],
    [['add', 'name', '', '--reason', 'r'], 'force'],
    [['add', 'ip', '192.0.2.1'], '--reason'],
    [['add', 'ip', '192.0.2.1', '--reason', ' '], '--reason'],
    [['add', 'ip', '192.0.2.1', '--reason', 'r', '--for', 'soon'], '--for'],
    [['add', 'ip'], 'VALUE'],
    [['list', '--bogus'], '--bogus'],
    [['frob'], 'frob'],
    [[], 'add, list or remove'],
  ] as const) {
    it(`ban ${args.join(' ')} exits 2 with one line naming ${named}, and stores nothing`, async () => {
      const dataDir = tempDir();
      const result = runCli(['ban', ...args, '--data-dir', dataDir]);
      assert.equal(result.status, 2);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.ok(lines[0]?.includes(named), lines[0]);
      assert.equal(runCli(['ban', 'list', '--all', '--data-dir', dataDir]).stdout, '');
    });
  }

  it('a running MS applies ban add and ban remove from the CLI within 1 s, and its admin API shows the CLI in the audit', async () => {
    const dataDir = tempDir();
    const ms = await startServe([...fast, '--reg-token', 'cli-reg', '--data-dir', dataDir]);
    try {
      const gs = await TestGameServer.connect(ms.wsUrl, 'cli-reg');
      assert.equal((await gs.register({ name: 'cli target' })).value.success, true);
      const added = await runCliAsync([
        'ban',
        'add',
        'name',
        'CLI TARGET',
        '--reason',
        'from the shell',
        '--data-dir',
        dataDir,
      ]);
      assert.equal(added.status, 0, added.stderr);
      const addedAt = performance.now();
      assert.deepEqual(await closeOf(gs, 1500), { code: 4011, reason: 'from the shell' });
      assert.ok(performance.now() - addedAt < 1000, 'within 1 s');
      const refused = await TestGameServer.connect(ms.wsUrl, 'cli-reg');
      assert.deepEqual((await refused.register({ name: 'cli target' })).value.error, {
        type: 6,
        msg: 'Banned: from the shell',
      });

      assert.equal((await runCliAsync(['ban', 'remove', added.stdout.trim(), '--data-dir', dataDir])).status, 0);
      const removedAt = performance.now();
      await waitFor(
        'the lift',
        async () => {
          const next = await TestGameServer.connect(ms.wsUrl, 'cli-reg');
          const ok = (await next.register({ name: 'cli target' })).value.success === true;
          if (!ok) next.socket.destroy();
          return ok;
        },
        1500,
        100,
      );
      assert.ok(performance.now() - removedAt < 1100, 'within 1 s');

      const created = await runCliAsync([
        'token',
        'create',
        '--admin',
        '--name',
        'ops',
        '--json',
        '--data-dir',
        dataDir,
      ]);
      const { token } = JSON.parse(created.stdout) as { token: string };
      const audit = await waitFor('the admin token', async () => {
        const res = await fetchRaw(`${ms.url}/v2/admin/audit`, { headers: { authorization: `Bearer ${token}` } });
        return res.status === 200 ? (res.json as Array<{ action: string; actor: unknown }>) : undefined;
      });
      assert.deepEqual(
        audit.map((entry) => [entry.action, entry.actor]),
        [
          ['token.create', { id: 'cli', name: 'cli' }],
          ['ban.remove', { id: 'cli', name: 'cli' }],
          ['ban.add', { id: 'cli', name: 'cli' }],
        ],
      );
      assert.ok(!ms.stdout().includes(token), 'the admin token is never logged');
    } finally {
      await ms.stop();
    }
  });
});
