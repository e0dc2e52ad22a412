import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { probeReply } from '@masterserver/sdk';
import { freeUdpPorts, probeUdp, waitFor } from '@masterserver/testing';
import { WebSocketServer } from 'ws';
import { spawnSim } from './cli-helpers.js';
import { startMs, TOKEN } from './helpers.js';

/** Holds `port` on 127.0.0.1, as another game server would. */
async function squat(port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(port, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

const inUse = (name: string, port: number): string =>
  `gs-sim: ${name}: game port udp 127.0.0.1:${port} is in use by another process, perhaps another game server; not started`;

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/**
 * A stand-in masterserver on a real socket: it answers every registration with success, then closes the
 * connection with `code` and `reason`, so that a test can send the closes a real MS sends only on an
 * operator's action (a ban's `4011`).
 */
async function closingMs(code: number, reason: string): Promise<{ wsUrl: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (socket) => {
    socket.once('message', (data) => {
      const id = /"id":(-?\d+)/.exec(String(data))?.[1];
      socket.send(`{"metadata":{"type":-1,"id":${id}},"success":true}`);
      socket.close(code, reason);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/v2/server/ws`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

describe('masterserver gs-sim – game ports on UDP', () => {
  it('each server binds its game port on the address it reaches the MS from and answers a real probe with the exact answer', async () => {
    const t = await startMs();
    const base = await freeUdpPorts(3);
    const sim = spawnSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '3', '--port', String(base)]);
    try {
      await waitFor('3 listed servers', async () => (await t.list()).length === 3, 10_000);
      for (let port = base; port < base + 3; port++) {
        const { probe, answer, from } = await probeUdp('127.0.0.1', port);
        assert.equal(answer?.toString('hex'), probeReply(probe)?.toString('hex'), `udp ${port}`);
        assert.equal(answer?.subarray(0, 12).toString('latin1'), '\xff\xff\xff\xffMSREPLY1');
        assert.deepEqual(answer?.subarray(12), probe.subarray(12), 'the probe nonce');
        assert.deepEqual(from, { address: '127.0.0.1', port }, 'from the game port');
      }
      assert.equal(sim.stderr(), '');
      assert.equal(await sim.stop(), 0, sim.stderr());
      const again = await squat(base);
      again.close();
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('--no-udp binds nothing: the servers are listed, a probe gets no answer, and a taken port does not matter', async () => {
    const t = await startMs();
    const base = await freeUdpPorts(2);
    const squatter = await squat(base);
    const sim = spawnSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '2', '--port', String(base), '--no-udp']);
    try {
      await waitFor('2 listed servers', async () => (await t.list()).length === 2, 10_000);
      assert.equal((await probeUdp('127.0.0.1', base + 1, 500)).answer, undefined);
      assert.equal(sim.stderr(), '');
      assert.equal(await sim.stop(), 0);
    } finally {
      squatter.close();
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('a server whose port is in use prints one line naming it and is not started; the others run', async () => {
    const t = await startMs();
    const base = await freeUdpPorts(3);
    const squatter = await squat(base + 1);
    const sim = spawnSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '3', '--port', String(base)]);
    try {
      await waitFor('sim-1 and sim-3 listed', async () => (await t.list()).length === 2, 10_000);
      assert.deepEqual((await t.list()).map((s) => s.name).sort(), ['sim-1', 'sim-3']);
      assert.deepEqual(lines(sim.stderr()), [inUse('sim-2', base + 1)]);
      assert.equal(t.ms.gateway.connectionCount, 2, 'sim-2 never connected');
      assert.equal(await sim.stop(), 0);
    } finally {
      squatter.close();
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('every port in use: one line per server, and it exits 1 with none left running', async () => {
    const t = await startMs();
    const base = await freeUdpPorts(2);
    const squatters = [await squat(base), await squat(base + 1)];
    const sim = spawnSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '2', '--port', String(base)]);
    try {
      assert.equal(await sim.exited, 1);
      assert.deepEqual(lines(sim.stderr()).sort(), [inUse('sim-1', base), inUse('sim-2', base + 1)]);
      assert.match(sim.stdout(), /^gs-sim: no server left running after [\d.]+ s: 2 servers, 0 registered at the end/m);
      assert.equal(t.ms.gateway.connectionCount, 0);
    } finally {
      for (const squatter of squatters) squatter.close();
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('4005 from the MS (another game server took the address): one line naming the server, the code, the reason and the address; not reconnected, the others run', async () => {
    const t = await startMs();
    const base = await freeUdpPorts(2);
    const sim = spawnSim(['--ms', t.wsUrl, '--reg-token', TOKEN, '--count', '2', '--port', String(base)]);
    try {
      await waitFor('2 listed servers', async () => (await t.list()).length === 2, 10_000);
      const other = await t.connect();
      await other.register({ name: 'the other one', port: base });
      await waitFor('the stop line', () => sim.stderr().includes('sim-1'), 5000);
      assert.deepEqual(lines(sim.stderr()), [
        `gs-sim: sim-1: another game server registered 127.0.0.1:${base} with the masterserver, ` +
          'which closed this connection (4005 superseded); not reconnecting',
      ]);
      // Its backoff would have brought it back within 1 s: it stays away, and sim-2 stays listed.
      const until = performance.now() + 1_500;
      while (performance.now() < until) {
        assert.deepEqual((await t.list()).map((s) => s.name).sort(), ['sim-2', 'the other one']);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(t.ms.gateway.connectionCount, 2, 'sim-2 and the other one');
      assert.equal(sim.child.exitCode, null, 'still running: sim-2 is');
      assert.equal(await sim.stop(), 0);
    } finally {
      sim.child.kill('SIGKILL');
      await t.close();
    }
  });

  it('4011 (banned) on every server: one line each with the ban reason, then exit 1', async () => {
    const ms = await closingMs(4011, 'cheating');
    const base = await freeUdpPorts(2);
    const sim = spawnSim(['--ms', ms.wsUrl, '--reg-token', TOKEN, '--count', '2', '--port', String(base)]);
    try {
      assert.equal(await sim.exited, 1, sim.stderr());
      assert.deepEqual(lines(sim.stderr()).sort(), [
        'gs-sim: sim-1: banned by the masterserver (4011 cheating); not reconnecting',
        'gs-sim: sim-2: banned by the masterserver (4011 cheating); not reconnecting',
      ]);
      assert.match(sim.stdout(), /^gs-sim: no server left running after [\d.]+ s: 2 servers/m);
      const free = await squat(base);
      free.close();
    } finally {
      sim.child.kill('SIGKILL');
      await ms.close();
    }
  });
});
