import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { postJson, waitFor } from '@masterserver/testing';
import { BIN, runCli } from './cli-helpers.js';
import { startMs, type TestMs, TOKEN } from './helpers.js';

interface Sim {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function startSim(args: string[], env: NodeJS.ProcessEnv = {}): Sim {
  const child = spawn(process.execPath, [BIN, 'gs-sim', ...args], {
    env: { ...process.env, MS_REG_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

const simNames = async (t: TestMs): Promise<string[]> =>
  (await t.list()).map((s) => String(s.name)).filter((name) => name.startsWith('sim-'));

describe('masterserver gs-sim', () => {
  it('20 servers named sim-1..sim-20 get listed; SIGTERM closes them all, exits 0, and they are delisted', async () => {
    const t = await startMs();
    const sim = startSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '20', '--register-interval', '500ms']);
    try {
      const expected = Array.from({ length: 20 }, (_, i) => `sim-${i + 1}`).sort();
      await waitFor('20 listed servers', async () => (await simNames(t)).length === 20, 10_000, 50);
      assert.deepEqual((await simNames(t)).sort(), expected);
      await waitFor('the all-registered line', () => sim.stdout().includes('all 20 servers registered'), 2000);
      assert.equal(await sim.stop('SIGTERM'), 0, sim.stderr());
      assert.deepEqual(await simNames(t), [], 'every server delisted');
      assert.match(sim.stdout(), /stopped on SIGTERM .*20 servers, 20 registered/);
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('curPlayers counts accepted joins up to --max-players; a full server rejects with a clear error', async () => {
    const t = await startMs();
    const sim = startSim(['--ms', t.wsUrl, '--count', '1', '--max-players', '1', '--name', 'full'], {
      MS_REG_TOKEN: TOKEN,
    });
    try {
      const listed = await waitFor(
        'the listing',
        async () => (await t.list()).find((s) => s.name === 'full-1'),
        10_000,
      );
      const join = (username: string) =>
        postJson(`${t.url}/v2/client/join`, { serverId: listed.id, username, clantag: '' });
      assert.equal((await join('first')).status, 200);
      await waitFor('curPlayers 1 in the list', async () => (await t.list())[0]?.curPlayers === 1, 3000);
      const second = await join('second');
      assert.equal(second.status, 409);
      assert.deepEqual((second.json as { gsError: unknown }).gsError, { type: 2, msg: 'the server is full (1/1)' });
      assert.equal(await sim.stop('SIGINT'), 0, sim.stderr());
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('--reject-joins answers every join with success:false', async () => {
    const t = await startMs();
    const sim = startSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--reject-joins']);
    try {
      const listed = await waitFor('the listing', async () => (await t.list())[0], 10_000);
      const res = await postJson(`${t.url}/v2/client/join`, { serverId: listed.id, username: 'u', clantag: '' });
      assert.equal(res.status, 409);
      assert.equal((res.json as { gsError: { type: number } }).gsError.type, 1);
      assert.equal(await sim.stop(), 0);
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('a refused token is reported once on stderr, and the servers keep retrying', async () => {
    const t = await startMs();
    const sim = startSim(['--ms', t.wsUrl, '--reg-token', 'wrong', '--count', '3', '--register-interval', '200ms']);
    try {
      await waitFor('the refusal on stderr', () => sim.stderr().includes('registration refused'), 10_000);
      const lines = sim
        .stderr()
        .split('\n')
        .filter((line) => line.includes('registration refused'));
      assert.equal(lines.length, 1, sim.stderr());
      assert.match(lines[0] ?? '', /Invalid registration token \(error 1\)/);
      assert.equal(await sim.stop(), 0);
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  const bad: Array<[string[], RegExp]> = [
    [['--reg-token', 'T', '--count', '0'], /--count: "0" is not a whole number ≥ 1/],
    [['--reg-token', 'T', '--register-interval', '5'], /--register-interval: "5" is not a duration/],
    [['--reg-token', 'T', '--ms', 'http://127.0.0.1:8080'], /--ms: .* must start with ws:\/\/ or wss:\/\//],
    [['--reg-token', 'T', '--port', '65535', '--count', '2'], /--port: .* goes past port 65535/],
    [['--reg-token', 'T', '--max-players', '-1'], /--max-players/],
    [['--reg-token', 'T', '--name', 'x'.repeat(62), '--count', '10'], /--name: .* longer than 64 characters/],
    [['--reg-token', 'T', '--reject-joins=yes'], /--reject-joins takes no value/],
    [['--reg-token', 'T', '--bogus'], /unknown flag --bogus/],
    [[], /--reg-token \(or MS_REG_TOKEN\) is required/],
  ];
  for (const [args, message] of bad) {
    it(`gs-sim ${args.join(' ') || '(no flags)'} exits 2 with one line naming the problem`, () => {
      const result = runCli(['gs-sim', ...args], { MS_REG_TOKEN: '' });
      assert.equal(result.status, 2, result.stderr);
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /^masterserver gs-sim: /);
      assert.match(lines[0] ?? '', message);
      assert.equal(result.stdout, '');
    });
  }

  it('gs-sim --help lists every flag and exits 0', () => {
    const result = runCli(['gs-sim', '--help']);
    assert.equal(result.status, 0);
    for (const flag of [
      '--ms',
      '--reg-token',
      '--count',
      '--name',
      '--port',
      '--max-players',
      '--register-interval',
      '--reject-joins',
    ]) {
      assert.ok(result.stdout.includes(flag), flag);
    }
  });
});
