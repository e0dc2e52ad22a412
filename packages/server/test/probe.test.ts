import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { fetchRaw, waitFor } from '@masterserver/testing';
import { type MasterServerOptions, SqliteTokenStore } from '../src/index.js';
import { PROBE_SPACING_MS, PROBE_TRIES, Prober } from '../src/probe/prober.js';
import { runCliAsync, tempDir } from './cli-helpers.js';
import { startMs, type TestMs, TOKEN } from './helpers.js';
import { type Answering, GamePort } from './udp-helpers.js';

type Listed = { id: string; name: string; reachable: boolean | null };

const probing = (options: MasterServerOptions = {}) => startMs({ verifyReachability: 'mark', ...options });

/** A game server on a real UDP game port: registers `name` at the port's number. */
async function gameServer(t: TestMs, name: string, answering: Answering) {
  const port = await GamePort.bind(answering);
  const gs = await t.connect();
  const answer = await gs.register({ name, port: port.port });
  return { gs, port, answer };
}

const listed = async (t: TestMs, name: string): Promise<Listed | undefined> =>
  ((await t.list()) as Listed[]).find((s) => s.name === name);

const metric = async (t: TestMs, name: string): Promise<number> => {
  const text = (await fetchRaw(`${t.url}/metrics`)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
};

const prober = (t: TestMs): Prober => {
  const probe = t.ms.gateway.reachability;
  assert.ok(probe instanceof Prober);
  return probe;
};

/**
 * The masterservers (probing in `mode`) and game ports a group of tests starts, all closed after the group: `ms`
 * starts one, `ports` keeps the ports to close.
 */
function probingGroup(mode: 'mark' | 'require') {
  const started: TestMs[] = [];
  const ports: GamePort[] = [];
  after(async () => {
    for (const port of ports) await port.close();
    for (const t of started) await t.close();
  });
  const ms = async (options?: MasterServerOptions) => {
    const t = await probing({ verifyReachability: mode, ...options });
    started.push(t);
    return t;
  };
  return { ms, ports };
}

describe('reachability probe, mode mark (the default): listed at once, the verdict in `reachable`', () => {
  const { ms, ports } = probingGroup('mark');

  it('a game port that answers is listed as reachable; before the answer the field is null', async () => {
    const t = await ms();
    const { port, answer } = await gameServer(t, 'answers', 'yes');
    ports.push(port);
    assert.equal(answer.value.success, true, 'listed at once');
    await waitFor('reachable: true', async () => (await listed(t, 'answers'))?.reachable === true, 2000);
    assert.equal(port.probes, 1, 'one probe was enough');
  });

  it('a game port that never answers is unreachable 1.5 s after the first probe, after three probes', async () => {
    const t = await ms();
    const before = performance.now();
    const { port } = await gameServer(t, 'silent', 'no');
    ports.push(port);
    assert.equal((await listed(t, 'silent'))?.reachable, null, 'unknown while the round runs');
    await waitFor('reachable: false', async () => (await listed(t, 'silent'))?.reachable === false, 4000);
    assert.ok(performance.now() - before >= 1400, 'not before three probes 500 ms apart went unanswered');
    assert.equal(port.probes, 3);
  });

  it('an answer with the wrong nonce, or from another IP, is dropped; one from another port of the probed IP is taken', async () => {
    const t = await ms();
    const wrong = await gameServer(t, 'wrong-nonce', 'wrong-nonce');
    const otherIp = await gameServer(t, 'other-ip', 'other-ip');
    const otherPort = await gameServer(t, 'other-port', 'other-port');
    ports.push(wrong.port, otherIp.port, otherPort.port);
    await waitFor('other-port reachable', async () => (await listed(t, 'other-port'))?.reachable === true, 2000);
    await waitFor(
      'the other two unreachable',
      async () =>
        (await listed(t, 'wrong-nonce'))?.reachable === false && (await listed(t, 'other-ip'))?.reachable === false,
      4000,
    );
    assert.ok((await metric(t, 'masterserver_probe_datagrams_total{result="dropped"}')) >= 6);
  });

  it('the list’s ETag changes when a verdict arrives', async () => {
    const t = await ms();
    const { port } = await gameServer(t, 'etag', 'no');
    ports.push(port);
    const first = (await fetchRaw(`${t.url}/v2/client/servers`)).headers.etag;
    await waitFor('unreachable', async () => (await listed(t, 'etag'))?.reachable === false, 4000);
    assert.notEqual((await fetchRaw(`${t.url}/v2/client/servers`)).headers.etag, first);
  });

  it('a registration on another port delists the old address and lists and probes the new one under its own id', async () => {
    const t = await ms();
    const a = await GamePort.bind('yes');
    const b = await GamePort.bind('yes');
    ports.push(a, b);
    const gs = await t.connect();
    await gs.register({ name: 'mover', port: a.port });
    const first = await waitFor('listed at a', async () => (await listed(t, 'mover'))?.id);
    assert.equal((await gs.register({ name: 'mover', port: b.port })).value.success, true);
    const moved = (await t.list()).filter((s) => s.name === 'mover') as Listed[];
    assert.equal(moved.length, 1);
    assert.notEqual(moved[0]?.id, first, 'the new address has its own id');
    await waitFor(
      'b probed and reachable',
      async () => b.probes >= 1 && (await listed(t, 'mover'))?.reachable === true,
    );
  });

  it('metrics count probes, answers, verdicts and the watched addresses', async () => {
    const t = await ms();
    const { port } = await gameServer(t, 'metrics', 'yes');
    ports.push(port);
    await waitFor('reachable', async () => (await listed(t, 'metrics'))?.reachable === true, 2000);
    assert.equal(await metric(t, 'masterserver_probes_sent_total'), 1);
    assert.equal(await metric(t, 'masterserver_probe_datagrams_total{result="answer"}'), 1);
    assert.equal(await metric(t, 'masterserver_probe_addresses{verdict="reachable"}'), 1);
    assert.equal(await metric(t, 'masterserver_probe_round_seconds_count{verdict="reachable"}'), 1);
  });
});

describe('reachability probe, mode require: only reachable servers are listed', () => {
  const { ms, ports } = probingGroup('require');

  it('a registration whose game port answers is answered with success once it did, and listed as reachable', async () => {
    const t = await ms();
    const { port, answer } = await gameServer(t, 'req-yes', 'yes');
    ports.push(port);
    assert.equal(answer.value.success, true);
    assert.equal((await listed(t, 'req-yes'))?.reachable, true, 'listed already reachable');
  });

  it('one whose game port does not answer is refused with error 5 naming the address, is not listed, and keeps its connection', async () => {
    const t = await ms();
    const before = performance.now();
    const { gs, port, answer } = await gameServer(t, 'req-no', 'no');
    ports.push(port);
    assert.ok(performance.now() - before >= 1400, 'after the three probes');
    assert.deepEqual(answer.value.error, { type: 5, msg: `Game port not reachable: udp 127.0.0.1:${port.port}` });
    assert.equal(answer.value.success, false);
    assert.equal(await listed(t, 'req-no'), undefined);
    assert.equal(gs.socket.isEnded, false, 'a failed registration keeps the connection');
    const again = performance.now();
    const retry = await gs.register({ name: 'req-no', port: port.port });
    assert.equal((retry.value.error as { type: number }).type, 5);
    // A new round would take its three probes, PROBE_SPACING_MS apart, before any answer.
    const waited = performance.now() - again;
    assert.ok(waited < PROBE_TRIES * PROBE_SPACING_MS, `refused after ${Math.round(waited)} ms, not at once`);
    assert.equal(port.probes, 3, 'and not probed again');
  });

  it('a listed server whose game port stops answering is delisted at the next probe round; its connection stays', async () => {
    const t = await ms({ probeInterval: 300 });
    const { gs, port } = await gameServer(t, 'req-stops', 'yes');
    ports.push(port);
    assert.ok(await listed(t, 'req-stops'));
    port.answering = 'no';
    await waitFor('delisted', async () => (await listed(t, 'req-stops')) === undefined, 4000);
    assert.equal(gs.socket.isEnded, false);
  });
});

describe('reachability probe: what it never does', () => {
  it('with --verify-reachability off nothing is sent and `reachable` stays null', async () => {
    const t = await startMs({ verifyReachability: 'off' });
    const port = await GamePort.bind('yes');
    try {
      const gs = await t.connect();
      await gs.register({ name: 'off', port: port.port });
      // A probe would have gone out at once; a second one PROBE_SPACING_MS later: wait for both.
      await new Promise((resolve) => setTimeout(resolve, PROBE_SPACING_MS + 200));
      assert.equal(port.received.length, 0);
      assert.equal((await listed(t, 'off'))?.reachable, null);
    } finally {
      await port.close();
      await t.close();
    }
  });

  it('a flood of registrations with ever new ports from one connection probes one address at a time', async () => {
    const t = await probing();
    try {
      const gs = await t.connect();
      const moves = 200;
      for (let i = 0; i < moves; i++) await gs.register({ name: 'flood', port: 20_000 + i });
      const sent = await metric(t, 'masterserver_probes_sent_total');
      assert.ok(sent <= moves, `${sent} probes for ${moves} addresses`);
      const counts = prober(t).counts;
      assert.equal(counts.reachable + counts.unreachable + counts.unknown, 1, 'only the listed address is watched');
    } finally {
      await t.close();
    }
  });

  it('the global cap holds the probe rate whatever registers', async () => {
    const t = await probing({ probeRate: 20 });
    try {
      const started = performance.now();
      for (let i = 0; i < 60; i++) await (await t.connect()).register({ name: `cap-${i}`, port: 21_000 + i });
      const sent = await metric(t, 'masterserver_probes_sent_total');
      const seconds = (performance.now() - started) / 1000;
      assert.ok(sent <= 20 + 20 * seconds + 1, `${sent} probes in ${seconds.toFixed(2)} s at 20/s`);
      await waitFor(
        'every address probed in the end',
        async () => (await metric(t, 'masterserver_probes_sent_total')) >= 60,
        5000,
      );
    } finally {
      await t.close();
    }
  });

  it('garbage on the probe socket (random datagrams up to 64 KiB, wrong nonces, other IPs) is never answered, never throws, and keeps memory bounded', async () => {
    const t = await probing();
    const fuzzers = [createSocket('udp4'), createSocket('udp4')];
    const answers: Buffer[] = [];
    const port = await GamePort.bind('yes');
    try {
      await Promise.all(
        fuzzers.map(
          (socket, i) => new Promise<void>((resolve) => socket.bind(0, i === 0 ? '127.0.0.1' : '127.0.0.2', resolve)),
        ),
      );
      for (const socket of fuzzers) socket.on('message', (datagram) => answers.push(datagram));
      const target = prober(t).address;
      const heap = process.memoryUsage().heapUsed;
      const total = 3000;
      for (let i = 0; i < total; i++) {
        const kind = i % 3;
        const datagram =
          kind === 0
            ? randomBytes(i % 50 === 0 ? 65_507 : i % 200)
            : Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('MSREPLY1'), randomBytes(16)]);
        const socket = fuzzers[i % 2] as (typeof fuzzers)[number];
        await new Promise<void>((resolve) => socket.send(datagram, target.port, target.address, () => resolve()));
        // Let the probe socket (in this process) read, so that the kernel does not drop what its buffer cannot hold.
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor(
        'the datagrams read and dropped',
        async () => (await metric(t, 'masterserver_probe_datagrams_total{result="dropped"}')) >= total * 0.9,
        5000,
      );
      assert.equal(
        await metric(t, 'masterserver_probe_datagrams_total{result="answer"}'),
        0,
        'none taken as an answer',
      );
      assert.deepEqual(answers, [], 'nothing answered');
      assert.ok(process.memoryUsage().heapUsed - heap < 32 * 1024 * 1024, 'heap bounded');
      const gs = await t.connect();
      await gs.register({ name: 'after-fuzz', port: port.port });
      await waitFor('still probing', async () => (await listed(t, 'after-fuzz'))?.reachable === true, 2000);
    } finally {
      for (const socket of fuzzers) socket.close();
      await port.close();
      await t.close();
    }
  });

  it('a probe socket that cannot bind stops serve with exit status 2 naming --probe-listen', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    const { port } = taken.address();
    try {
      const result = await runCliAsync(
        ['serve', '--listen', '127.0.0.1:0', '--reg-token', TOKEN, '--probe-listen', `127.0.0.1:${port}`],
        { MS_DATA_DIR: tempDir() },
      );
      assert.equal(result.status, 2);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] as string, /--probe-listen: .*127\.0\.0\.1:\d+.*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});

describe('stable server ids (docs/protocol.md#registration)', () => {
  it('the same address keeps its id across reconnects and restarts on one data dir, and gets another with another data dir', async () => {
    const dirs = [tempDir(), tempDir()];
    const idWith = async (dir: string, port: number) => {
      const tokenStore = new SqliteTokenStore(dir);
      const t = await startMs({ tokenStore });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const gs = await t.connect();
          await gs.register({ name: 'stable', port });
          ids.push(((await listed(t, 'stable')) as Listed).id);
          await gs.close();
          await waitFor('delisted', async () => (await listed(t, 'stable')) === undefined);
        }
        assert.equal(ids[0], ids[1], 'a reconnect keeps the id');
        const secret = await tokenStore.secret('server-id', () => Buffer.alloc(0));
        const expected = createHmac('sha256', secret).update(`127.0.0.1:${port}`).digest('base64url').slice(0, 16);
        assert.equal(ids[0], expected, 'the id is the HMAC of the address with the stored secret');
        return ids[0];
      } finally {
        await t.close();
        await tokenStore.close();
      }
    };
    const first = await idWith(dirs[0] as string, 37_101);
    assert.equal(await idWith(dirs[0] as string, 37_101), first, 'a restart keeps the id');
    assert.notEqual(await idWith(dirs[1] as string, 37_101), first, 'another data dir, another secret');
  });

  it('a newer connection superseding an address (4005) takes over the same id', async () => {
    const t = await startMs();
    try {
      const old = await t.connect();
      await old.register({ name: 'holder', port: 37_102 });
      const id = ((await listed(t, 'holder')) as Listed).id;
      const newer = await t.connect();
      await newer.register({ name: 'holder', port: 37_102 });
      assert.equal((await old.socket.closeFrame).code, 4005);
      assert.deepEqual(
        ((await t.list()) as Listed[]).map((s) => s.id),
        [id],
      );
    } finally {
      await t.close();
    }
  });
});
