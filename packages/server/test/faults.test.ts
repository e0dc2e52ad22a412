import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DisconnectInfo, GameServerClient } from '@masterserver/sdk';
import { FailoverProxy, fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { startMs, TOKEN } from './helpers.js';

async function listedNames(url: string): Promise<string[]> {
  const res = await fetchRaw(`${url}/v2/client/servers`);
  if (res.status !== 200) throw new Error(`list answered ${res.status}`);
  return (res.json as Array<{ name: string }>).map((s) => s.name).sort();
}

const metric = async (url: string, name: string): Promise<number> => {
  const line = (await fetchRaw(`${url}/metrics`)).text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('faults – the MS process is killed', () => {
  it('kill -9 of the MS with 5 SDK game servers connected → restarted on the same port, all 5 reconnect and are listed again', async () => {
    const dataDir = tempDir();
    const serve = (listen: string): Promise<ServeProcess> =>
      startServe(['--listen', listen, '--reg-token', TOKEN, '--data-dir', dataDir]);
    const first = await serve('127.0.0.1:0');
    const port = new URL(first.url).port;
    const names = ['fault-0', 'fault-1', 'fault-2', 'fault-3', 'fault-4'];
    const disconnects: DisconnectInfo[] = [];
    const clients = names.map((name, i) => {
      const client = new GameServerClient({
        url: first.wsUrl,
        regToken: TOKEN,
        info: { name, port: 42000 + i, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
        registerInterval: 10_000,
        backoff: { initial: 50, max: 250 },
      });
      client.on('disconnected', (info) => disconnects.push(info));
      return client;
    });
    let second: ServeProcess | undefined;
    try {
      await Promise.all(clients.map((c) => c.start().whenRegistered()));
      assert.deepEqual(await listedNames(first.url), names);

      assert.equal(await first.stop('SIGKILL'), null, 'the MS died of the signal');
      await waitFor('every client saw its connection break', () => disconnects.length >= names.length, 10_000);
      assert.ok(
        disconnects.every((d) => d.code === 1006),
        `no close frame came from a killed MS: ${disconnects.map((d) => d.code).join(', ')}`,
      );

      second = await serve(`127.0.0.1:${port}`);
      await waitFor(
        'all 5 listed by the restarted MS',
        async () => (await listedNames(second?.url ?? '')).join() === names.join(),
        20_000,
        50,
      );
      assert.ok(clients.every((c) => c.status.state === 'registered'));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      if (first.child.exitCode === null && first.child.signalCode === null) await first.stop('SIGKILL');
      await second?.stop();
    }
  });
});

describe('faults – a game server vanishes without a close (TCP cut: no FIN, no RST)', () => {
  it('is delisted within the ping interval plus the pong timeout, not before the pong timeout, closed with 4008; others stay listed', async () => {
    const pingInterval = 300;
    const pongTimeout = 700;
    const t = await startMs({ pingInterval, pongTimeout, closeTimeout: 200 });
    const proxy = await FailoverProxy.start([{ host: '127.0.0.1', port: Number(new URL(t.url).port) }]);
    try {
      const vanishing = await TestGameServer.connect(`ws://127.0.0.1:${proxy.port}/v2/server/ws`, TOKEN);
      const steady = await t.connect();
      assert.equal((await vanishing.register({ name: 'vanishing', port: 43001 })).value.success, true);
      assert.equal((await steady.register({ name: 'steady', port: 43002 })).value.success, true);
      assert.deepEqual(await listedNames(t.url), ['steady', 'vanishing']);

      // Watched in the masterserver's own registry (the HTTP list may lag behind it by its cache).
      const listedHere = () => [...t.ms.registry.values()].map((server) => server.name);
      const cutAt = performance.now();
      proxy.cut();
      const delistedAt = await waitFor(
        'the vanished server delisted',
        () => !listedHere().includes('vanishing') && performance.now(),
        15_000,
        5,
      );
      const elapsed = delistedAt - cutAt;
      // A Ping sent just before the cut may be the unanswered one, so the pong timeout alone is the floor.
      assert.ok(
        elapsed >= pongTimeout - 50,
        `delisted ${Math.round(elapsed)} ms after the cut, before the pong timeout`,
      );
      // The next Ping goes out within a ping interval and its Pong is due a pong timeout later; one more ping
      // interval for the timers of a busy machine.
      assert.ok(
        elapsed < 2 * pingInterval + pongTimeout,
        `delisted ${Math.round(elapsed)} ms after the cut (ping ${pingInterval} + pong ${pongTimeout})`,
      );
      assert.equal(vanishing.socket.isEnded, false, 'the game server saw no FIN or RST: the cut was silent');
      assert.deepEqual(await listedNames(t.url), ['steady'], 'the server that answers its Pings stays listed');

      // The MS ends the connection after the close timeout; the close it counts is its own 4008.
      await waitFor(
        'a 4008 close counted',
        async () => (await metric(t.url, 'masterserver_gs_closes_total{code="4008"}')) === 1,
        10_000,
      );
      assert.equal(await metric(t.url, 'masterserver_gs_closes_total{code="1006"}'), 0);
      await steady.close();
    } finally {
      await proxy.close();
      await t.close();
    }
  });
});
