import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { freeUdpPorts, probeUdp, waitFor } from '@masterserver/testing';
import {
  GamePortError,
  JoinErrorType,
  loopbackSpread,
  OptionError,
  probeReply,
  Simulation,
  type SimulationOptions,
} from '../src/index.js';
import { FakeTransport, joinRequest, registrationOk, registrationRefused } from './fake-transport.js';
import { advance, fakeTimers, flush, realTimers } from './helpers.js';

function simulate(overrides: Partial<SimulationOptions> = {}) {
  const transports: FakeTransport[] = [];
  const localAddresses: Array<string | undefined> = [];
  const sim = new Simulation({
    url: 'ws://127.0.0.1:8080/v2/server/ws',
    regToken: 'secret',
    connectRate: 0,
    udp: false,
    transport: (index, localAddress) => {
      const transport = new FakeTransport();
      transports[index] = transport;
      localAddresses[index] = localAddress;
      return transport;
    },
    ...overrides,
  });
  const connection = (index: number) => {
    const transport = transports[index];
    if (transport === undefined) throw new Error(`no transport ${index}`);
    return transport.last;
  };
  return { sim, transports, localAddresses, connection };
}

describe('simulation – many game servers on the SDK', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('each server has its own connection, name PREFIX-N and port BASE+N-1', () => {
    const { sim, connection } = simulate({ count: 3, namePrefix: 'load', basePort: 40000, maxPlayers: 4 });
    sim.start();
    for (let i = 0; i < 3; i++) connection(i).open();
    const infos = [0, 1, 2].map((i) => connection(i).sentJson()[0]?.info);
    assert.deepEqual(
      infos.map((info) => info && [info.name, info.port, info.maxPlayers, info.curPlayers]),
      [
        ['load-1', 40000, 4, 0],
        ['load-2', 40001, 4, 0],
        ['load-3', 40002, 4, 0],
      ],
    );
  });

  it('counts connected, registered and failed servers, and says when all are registered', () => {
    const { sim, connection } = simulate({ count: 3 });
    const all: number[] = [];
    sim.on('allRegistered', ({ ms }) => all.push(ms));
    assert.deepEqual(sim.counts(), {
      servers: 3,
      connecting: 0,
      connected: 0,
      registered: 0,
      failed: 0,
      stopped: 0,
      joinsAccepted: 0,
      joinsRejected: 0,
      disconnects: 0,
    });
    sim.start();
    assert.equal(sim.counts().connecting, 3);
    for (let i = 0; i < 3; i++) connection(i).open();
    connection(0).receive(registrationOk(1));
    connection(1).receive(registrationRefused(1));
    assert.deepEqual(sim.counts(), { ...sim.counts(), connecting: 0, connected: 3, registered: 1, failed: 1 });
    assert.deepEqual(all, []);
    connection(2).receive(registrationOk(1));
    connection(2).end({ code: 1001, reason: 'going away' });
    assert.deepEqual(sim.counts(), { ...sim.counts(), connecting: 1, connected: 2, registered: 1, disconnects: 1 });
    assert.deepEqual(all, []);
  });

  it('allRegistered fires once, when every server is listed at the same time', () => {
    const { sim, connection } = simulate({ count: 2 });
    const all: number[] = [];
    sim.on('allRegistered', ({ ms }) => all.push(ms));
    sim.start();
    connection(0).open();
    connection(1).open();
    connection(0).receive(registrationOk(1));
    connection(1).receive(registrationOk(1));
    assert.deepEqual(all, [0]);
  });

  it('curPlayers counts accepted joins and is registered at once; a full server rejects with SERVER_FULL', async () => {
    const { sim, connection } = simulate({ count: 1, maxPlayers: 2 });
    sim.start();
    const c = connection(0);
    c.open();
    c.receive(registrationOk(1));
    await advance(2_000);
    c.receive(joinRequest(1, { sessionToken: 'a' }));
    await flush();
    assert.equal(c.sent[1], '{"metadata":{"type":-2,"id":1},"success":true}');
    assert.equal(c.sentJson()[2]?.info?.curPlayers, 1);
    c.receive(joinRequest(2, { sessionToken: 'b' }));
    c.receive(joinRequest(3, { sessionToken: 'c' }));
    await flush();
    assert.equal(
      c.sent.at(-1),
      `{"metadata":{"type":-2,"id":3},"success":false,"error":{"type":${JoinErrorType.SERVER_FULL},"msg":"the server is full (2/2)"}}`,
    );
    assert.equal(sim.servers[0]?.players, 2);
    assert.equal(sim.servers[0]?.client.info.curPlayers, 2);
    assert.deepEqual([sim.counts().joinsAccepted, sim.counts().joinsRejected], [2, 1]);
  });

  it('with rejectJoins every join is rejected and curPlayers stays 0', async () => {
    const { sim, connection } = simulate({ rejectJoins: true });
    sim.start();
    const c = connection(0);
    c.open();
    c.receive(joinRequest(1));
    await flush();
    assert.match(c.sent[1] ?? '', /"success":false,"error":\{"type":1,/);
    assert.equal(sim.servers[0]?.client.info.curPlayers, 0);
  });

  it('starts at most connectRate connections per second', async () => {
    const { sim, transports } = simulate({ count: 250, connectRate: 1000 });
    sim.start();
    assert.equal(transports.filter((t) => t.connections.length > 0).length, 50);
    await advance(50);
    assert.equal(transports.filter((t) => t.connections.length > 0).length, 100);
    await advance(150);
    assert.equal(transports.filter((t) => t.connections.length > 0).length, 250);
  });

  it('close() closes every connection with 1000 and resolves when all are gone', async () => {
    const { sim, connection } = simulate({ count: 3 });
    sim.start();
    for (let i = 0; i < 3; i++) connection(i).open();
    const closing = sim.close();
    for (let i = 0; i < 3; i++) {
      assert.equal(connection(i).closedWith?.code, 1000);
      connection(i).end({ code: 1000, reason: '' });
    }
    await closing;
    assert.equal(sim.counts().connected, 0);
  });

  it('spreads servers over loopback source addresses, 50 per address', () => {
    const { localAddresses } = simulate({ count: 120 });
    assert.equal(localAddresses[0], '127.0.0.1');
    assert.equal(localAddresses[1], '127.0.0.2');
    assert.equal(localAddresses[2], '127.0.0.3');
    assert.equal(localAddresses[3], '127.0.0.1');
    assert.equal(new Set(localAddresses).size, 3);
  });

  it('refuses options it cannot use, naming them', () => {
    const bad: Array<[string, Partial<SimulationOptions>]> = [
      ['count', { count: 0 }],
      ['basePort', { basePort: 65535, count: 2 }],
      ['namePrefix', { namePrefix: '' }],
      ['maxPlayers', { maxPlayers: -1 }],
      ['registerInterval', { registerInterval: 0 }],
      ['url', { url: 'not a url' }],
      ['regToken', { regToken: '' }],
    ];
    for (const [option, change] of bad) {
      assert.throws(
        () => simulate(change),
        (error: unknown) => error instanceof OptionError && error.option === option,
        option,
      );
    }
  });
});

describe('simulation – game ports on UDP', () => {
  /** A simulation with UDP on, against a loopback URL, on a free run of ports; `close()` ends its fake connections. */
  async function withPorts(count: number, overrides: Partial<SimulationOptions> = {}) {
    const basePort = await freeUdpPorts(count);
    const simulated = simulate({ count, basePort, udp: true, ...overrides });
    const close = async (): Promise<void> => {
      const closing = simulated.sim.close();
      await new Promise((resolve) => setImmediate(resolve)); // the clients close their connections now
      for (const transport of simulated.transports) {
        for (const c of transport.connections) if (c.state !== 'closed') c.end({ code: 1000, reason: '' });
      }
      await closing;
    };
    return { basePort, close, ...simulated };
  }

  it('each server binds BASE+i on the address it reaches the MS from before it connects, and answers probes there', async () => {
    const { sim, basePort, transports, close } = await withPorts(3);
    try {
      sim.start();
      assert.equal(transports.filter((t) => t.connections.length > 0).length, 0, 'no connection before the bind');
      await waitFor('three connections', () => transports.every((t) => t.connections.length === 1));
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(sim.servers[i]?.socket?.address(), {
          address: '127.0.0.1',
          family: 'IPv4',
          port: basePort + i,
        });
        const { probe, answer, from } = await probeUdp('127.0.0.1', basePort + i);
        assert.deepEqual(answer, probeReply(probe));
        assert.deepEqual(from, { address: '127.0.0.1', port: basePort + i });
      }
    } finally {
      await close();
    }
    assert.equal(sim.servers[0]?.socket, undefined, 'close() lets the ports go');
    const again = createSocket('udp4');
    again.bind(basePort, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  });

  it('a source address is also the game port address', async () => {
    const { sim, basePort, transports, close } = await withPorts(1, { localAddresses: ['127.0.0.2'] });
    try {
      sim.start();
      await waitFor('the connection', () => transports[0]?.connections.length === 1);
      assert.equal(sim.servers[0]?.socket?.address().address, '127.0.0.2');
      assert.ok((await probeUdp('127.0.0.2', basePort)).answer, 'answered on 127.0.0.2');
    } finally {
      await close();
    }
  });

  it('a server whose port is in use is not started and is reported with the port; the others run', async () => {
    const { sim, basePort, transports, close } = await withPorts(3);
    const squatter = createSocket('udp4');
    squatter.bind(basePort + 1, '127.0.0.1');
    await once(squatter, 'listening');
    const notStarted: Array<{ name: string; port: number; error: GamePortError }> = [];
    sim.on('notStarted', (event) => notStarted.push(event));
    try {
      sim.start();
      await waitFor('two connections and one refusal', () => notStarted.length === 1 && sim.counts().connecting === 2);
      assert.deepEqual(
        notStarted.map(({ name, port }) => [name, port]),
        [['sim-2', basePort + 1]],
      );
      assert.ok(notStarted[0]?.error instanceof GamePortError);
      assert.match(notStarted[0]?.error.message ?? '', new RegExp(`udp 127\\.0\\.0\\.1:${basePort + 1} is in use`));
      assert.equal(transports[1]?.connections.length, 0, 'sim-2 never connects');
      assert.deepEqual([sim.counts().stopped, sim.counts().connecting], [1, 2]);
    } finally {
      squatter.close();
      await close();
    }
  });

  it('a server stopped by the MS (4005, 4011) lets its port go; when none is left running, allStopped', async () => {
    const { sim, basePort, connection, transports, close } = await withPorts(2);
    const stopped: string[] = [];
    const all: number[] = [];
    sim.on('stopped', ({ name, port, info }) => stopped.push(`${name} ${port} ${info.code} ${info.reason}`));
    sim.on('allStopped', ({ servers }) => all.push(servers));
    try {
      sim.start();
      await waitFor('two connections', () => transports.every((t) => t.connections.length === 1));
      for (let i = 0; i < 2; i++) connection(i).open();
      connection(0).end({ code: 4005, reason: 'superseded' });
      assert.deepEqual(stopped, [`sim-1 ${basePort} 4005 superseded`]);
      assert.equal(sim.servers[0]?.socket, undefined);
      assert.equal((await probeUdp('127.0.0.1', basePort, 300)).answer, undefined, 'sim-1 answers no more probes');
      assert.deepEqual(all, []);
      connection(1).end({ code: 4011, reason: 'cheating' });
      assert.deepEqual(all, [2]);
      assert.equal(sim.counts().stopped, 2);
      assert.equal(transports[0]?.connections.length, 1, 'not reconnected');
    } finally {
      await close();
    }
  });

  it('every port in use: none is started, and allStopped says so', async () => {
    const { sim, basePort, close } = await withPorts(1);
    const squatter = createSocket('udp4');
    squatter.bind(basePort, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const all = new Promise((resolve) => sim.on('allStopped', resolve));
      sim.start();
      assert.deepEqual(await all, { servers: 1 });
    } finally {
      squatter.close();
      await close();
    }
  });
});

describe('loopbackSpread', () => {
  it('is not needed for up to 50 connections, or for a host that is not an IPv4 loopback literal', () => {
    assert.equal(loopbackSpread('ws://127.0.0.1:8080/v2/server/ws', 50), undefined);
    assert.equal(loopbackSpread('ws://localhost:8080/v2/server/ws', 5000), undefined);
    assert.equal(loopbackSpread('wss://ms.example.com/v2/server/ws', 5000), undefined);
    assert.equal(loopbackSpread('ws://[::1]:8080/v2/server/ws', 5000), undefined);
  });

  it('uses ceil(count / 50) addresses from 127.0.0.1, skipping .0 and .255', () => {
    assert.deepEqual(loopbackSpread('ws://127.0.0.1:1/', 51), ['127.0.0.1', '127.0.0.2']);
    const many = loopbackSpread('ws://127.0.0.1:1/', 20_000) ?? [];
    assert.equal(many.length, 400);
    assert.equal(many[253], '127.0.0.254');
    assert.equal(many[254], '127.0.1.1');
    assert.ok(many.every((a) => !a.endsWith('.0') && !a.endsWith('.255')));
    assert.equal(new Set(many).size, 400);
  });
});
