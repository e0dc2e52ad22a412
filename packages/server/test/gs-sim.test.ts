import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SimulationOptions } from '@masterserver/sdk';
import { freeUdpPorts, postJson, waitFor } from '@masterserver/testing';
import { type GsSimOutput, gsSim, PROGRESS_INTERVAL, parseGsSimConfig } from '../src/cli/gs-sim.js';
import type { Logger } from '../src/logger.js';
import { type Captured, runCli, spawnSim } from './cli-helpers.js';
import { startMs, type TestMs, TOKEN } from './helpers.js';

/** The first of 200 consecutive UDP ports found free on 127.0.0.1 (see `before`), for the game ports. */
let gamePorts = 0;

/** `args` with `--port` set to {@link gamePorts} unless they choose a port or no UDP. */
function withGamePorts(args: string[]): string[] {
  if (gamePorts === 0) throw new Error('gamePorts is not set yet');
  return args.includes('--port') || args.includes('--no-udp') ? args : [...args, '--port', String(gamePorts)];
}

const startSim = (args: string[], env: NodeJS.ProcessEnv = {}): Captured => spawnSim(withGamePorts(args), env);

/**
 * Runs `gsSim` in this process, writing to `out`. `stop` calls the SIGTERM
 * handler it installed, so that no real signal reaches the test runner.
 */
async function runGsSim(argv: string[], out: GsSimOutput): Promise<{ stop(): Promise<number> }> {
  const options = parseGsSimConfig(withGamePorts(argv), {});
  assert.notEqual(options, 'help');
  const before = new Set(process.listeners('SIGTERM'));
  const done = gsSim(options as SimulationOptions, out);
  // It loads the SDK (its optional dependency) first, then listens.
  const handler = await waitFor('gsSim listens to SIGTERM', () =>
    process.listeners('SIGTERM').find((listener) => !before.has(listener)),
  );
  let stopped = false;
  return {
    stop() {
      if (!stopped) handler('SIGTERM');
      stopped = true;
      return done;
    },
  };
}

/** `text` without its leading "return to column 0, clear the line"; fails without one. */
function redrawn(text: string | undefined): string {
  const clear = '\r\x1b[K';
  if (text === undefined || !text.startsWith(clear)) {
    assert.fail(`${JSON.stringify(text)} does not start with ${JSON.stringify(clear)}`);
  }
  return text.slice(clear.length);
}

const simNames = async (t: TestMs): Promise<string[]> =>
  (await t.list()).map((s) => String(s.name)).filter((name) => name.startsWith('sim-'));

describe('masterserver gs-sim', () => {
  before(async () => {
    gamePorts = await freeUdpPorts(200);
  });

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

  it('on a terminal, a progress line of connected, registered and failed servers is redrawn in place every 2 s, cut to its width', async () => {
    const t = await startMs({ maxServers: 3 }); // sim-4 and sim-5 (in some order) are refused: list full (error 4)
    const stdout: string[] = [];
    const stderr: string[] = [];
    const terminal = { isTTY: true, columns: 80, write: (text: string) => stdout.push(text) };
    const startedAt = performance.now();
    const sim = await runGsSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '5'], {
      stdout: terminal,
      stderr: { write: (text: string) => stderr.push(text) },
    });
    const line = (joins: number) =>
      `gs-sim: 5/5 connected, 3 registered, 2 failed, 0 connecting; joins ${joins} accepted, 0 rejected`;
    try {
      const first = await waitFor('the first progress line', () => stdout[0], PROGRESS_INTERVAL + 3000);
      assert.ok(performance.now() - startedAt >= PROGRESS_INTERVAL - 100, 'not drawn before the interval');
      // 89 characters on an 80-column terminal: cut to 79, or it would wrap and every redraw leave a row behind.
      assert.equal(redrawn(first), line(0).slice(0, 79));
      assert.equal((await t.list()).length, 3, 'registered: 3 listed');
      assert.equal(t.ms.gateway.connectionCount, 5, 'connected: 5 connections at the MS');

      const listed = (await t.list())[0];
      const join = await postJson(`${t.url}/v2/client/join`, { serverId: listed?.id, username: 'u', clantag: '' });
      assert.equal(join.status, 200, join.text);
      terminal.columns = 120; // the terminal grew
      const second = await waitFor('the second progress line', () => stdout[1], PROGRESS_INTERVAL + 3000);
      assert.equal(redrawn(second), line(1), 'redrawn with the join');
      assert.equal(stdout.length, 2, 'nothing else on stdout');

      // The counts match the MS at the end.
      const list = await waitFor('curPlayers 1', async () => {
        const servers = await t.list();
        return servers.some((s) => s.curPlayers === 1) && servers;
      });
      assert.equal(list.length, 3);
      assert.equal(t.ms.gateway.connectionCount, 5);
      assert.deepEqual(
        stderr,
        [stderr[0]],
        'the two refusals (alike) are one line, which clears the progress line first',
      );
      assert.match(redrawn(stderr[0]), /^gs-sim: sim-\d: registration refused: .* \(error 4\)\n$/);

      assert.equal(await sim.stop(), 0);
      assert.equal(stdout.length, 3);
      assert.match(
        redrawn(stdout[2]),
        /^gs-sim: stopped on SIGTERM after [\d.]+ s: 5 servers, 3 registered at the end; joins 1 accepted, 0 rejected; 0 disconnects\n$/,
      );
      assert.deepEqual(await t.list(), [], 'every server delisted');
    } finally {
      await sim.stop();
      await t.close();
    }
  });

  it('200 servers against an MS with the default 64 connections per IP: spread over 127.0.0.1-4, all listed, none refused', async () => {
    const fromIp = new Map<string, number>();
    const ignore = () => {};
    const logger: Logger = {
      debug: ignore,
      warn: ignore,
      error: ignore,
      info: (fields, message) => {
        if (message !== 'game server connected') return;
        const ip = String(fields.ip);
        fromIp.set(ip, (fromIp.get(ip) ?? 0) + 1);
      },
    };
    const t = await startMs({ logger });
    assert.equal(t.ms.options.maxConnectionsPerIp, 64);
    assert.match(t.wsUrl, /^ws:\/\/127\.0\.0\.1:/);
    const sim = startSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '200']);
    try {
      const registered = () => sim.stdout().includes('all 200 servers registered');
      await waitFor('all registered, or a problem', () => registered() || sim.stderr() !== '', 10_000, 50);
      assert.equal(sim.stderr(), '', 'no refusal (429/503) and no disconnect');
      assert.ok(registered());
      const expected = Array.from({ length: 200 }, (_, i) => `sim-${i + 1}`).sort();
      assert.deepEqual((await simNames(t)).sort(), expected);
      assert.equal(t.ms.gateway.connectionCount, 200);
      assert.deepEqual([...fromIp].sort(), [
        ['127.0.0.1', 50],
        ['127.0.0.2', 50],
        ['127.0.0.3', 50],
        ['127.0.0.4', 50],
      ]);
      assert.equal(await sim.stop(), 0, sim.stderr());
      assert.match(sim.stdout(), /200 servers, 200 registered at the end; joins 0 accepted, 0 rejected; 0 disconnects/);
      assert.deepEqual(await simNames(t), [], 'every server delisted');
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
      '--no-udp',
    ]) {
      assert.ok(result.stdout.includes(flag), flag);
    }
  });
});
