import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ClientClosedError, GameServerClient, type Transport } from '../src/index.js';
import { registrationOk } from './fake-transport.js';
import { advance, elapsed, fakeTimers, realTimers, setup } from './helpers.js';

const refused = { code: 1006, reason: 'connect ECONNREFUSED 127.0.0.1:8080' };

describe('reconnect – backoff with full jitter', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('failed connects are retried after delays whose cap doubles up to max (random 0.5 → half the cap)', async () => {
    const { client, transport, named } = setup({ backoff: { initial: 1000, max: 8000, factor: 2 } });
    client.start();
    const startedAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      startedAt.push(elapsed());
      transport.last.end(refused);
      const delay = named('disconnected').at(-1)?.reconnectIn ?? 0;
      await advance(delay);
    }
    assert.deepEqual(
      named('disconnected').map((d) => d.reconnectIn),
      [500, 1000, 2000, 4000, 4000, 4000],
    );
    assert.deepEqual(startedAt, [0, 500, 1500, 3500, 7500, 11500]);
    assert.equal(transport.connections.length, 7);
  });

  it('the status says how long it waits and which attempt comes next; connecting names the URL and the attempt', async () => {
    const { client, transport, named } = setup();
    client.start();
    assert.deepEqual(client.status, { state: 'connecting', attempt: 1 });
    transport.last.end(refused);
    assert.deepEqual(client.status, { state: 'reconnecting', attempt: 2, delay: 500, code: 1006 });
    await advance(500);
    assert.deepEqual(client.status, { state: 'connecting', attempt: 2 });
    const url = 'ws://ms.test/v2/server/ws';
    assert.deepEqual(named('connecting'), [
      { url, attempt: 1 },
      { url, attempt: 2 },
    ]);
    transport.last.open();
    transport.last.receive(registrationOk(1));
    transport.last.end(refused);
    await advance(named('disconnected').at(-1)?.reconnectIn ?? 0);
    assert.deepEqual(named('connecting').at(-1), { url, attempt: 2 }, 'a registration starts the count again');
  });

  it('a reconnect never happens inside the close, even at delay 0: it waits for its timer', async () => {
    const { client, transport } = setup({ random: () => 0 });
    client.start();
    for (let i = 0; i < 100; i++) {
      const before = transport.connections.length;
      transport.last.end(refused);
      assert.equal(transport.connections.length, before, 'no connect from within the close handler');
      await advance(0);
      assert.equal(transport.connections.length, before + 1);
    }
  });

  it('disconnected carries the close code, reason and the delay; the client reconnects and registers again', async () => {
    const { client, transport, named } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationOk(1));
    transport.last.end({ code: 1001, reason: 'going away' });
    assert.deepEqual(named('disconnected'), [{ code: 1001, reason: 'going away', reconnectIn: 500 }]);
    await advance(500);
    transport.last.open();
    assert.equal(transport.last.sentJson()[0]?.metadata.id, 2);
    transport.last.receive(registrationOk(2));
    assert.equal(client.status.state, 'registered');
    assert.equal(named('registered').length, 2);
  });

  it('a successful registration resets the backoff', async () => {
    const { client, transport, named } = setup();
    client.start();
    for (let i = 0; i < 3; i++) {
      transport.last.end(refused);
      await advance(named('disconnected').at(-1)?.reconnectIn ?? 0);
    }
    transport.last.open();
    transport.last.receive(registrationOk(1));
    transport.last.end({ code: 1001, reason: 'going away' });
    assert.deepEqual(
      named('disconnected').map((d) => d.reconnectIn),
      [500, 1000, 2000, 500],
    );
  });

  it('a connection that opens but never registers does not reset the backoff', async () => {
    const { client, transport, named } = setup();
    client.start();
    for (let i = 0; i < 3; i++) {
      transport.last.open();
      transport.last.end({ code: 1008, reason: 'registration required' });
      await advance(named('disconnected').at(-1)?.reconnectIn ?? 0);
    }
    assert.deepEqual(
      named('disconnected').map((d) => d.reconnectIn),
      [500, 1000, 2000],
    );
  });

  it('a transport whose connect throws counts as a failed connect', async () => {
    let calls = 0;
    const transport: Transport = {
      connect() {
        calls++;
        throw new Error('no route to the MS');
      },
    };
    const events: Array<{ code: number; reason: string }> = [];
    const client = new GameServerClient({
      url: 'ws://ms.test/v2/server/ws',
      regToken: 'secret',
      info: { name: 'unit', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
      random: () => 0.5,
      transport,
    }).on('disconnected', ({ code, reason }) => events.push({ code, reason }));
    client.start();
    await advance(0);
    assert.deepEqual(events, [{ code: 1006, reason: 'no route to the MS' }]);
    await advance(500);
    assert.equal(calls, 2);
    await client.close();
  });
});

describe('close() – clean and final', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('closes with 1000, never reconnects, and resolves when the connection is gone', async () => {
    const { client, transport, named } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationOk(1));
    let closed = false;
    const closing = client.close().then(() => {
      closed = true;
    });
    assert.deepEqual(transport.last.closedWith, { code: 1000, reason: 'game server closing' });
    assert.deepEqual(client.status, { state: 'closed' });
    await advance(0);
    assert.equal(closed, false, 'waits for the connection to end');
    transport.last.end({ code: 1000, reason: 'game server closing' });
    await closing;
    assert.equal(named('disconnected').at(-1)?.reconnectIn, undefined);
    await advance(120_000);
    assert.equal(transport.connections.length, 1);
    assert.equal(transport.last.sent.length, 1, 'no registration after close');
  });

  it('during the backoff wait, it cancels the reconnect', async () => {
    const { client, transport } = setup();
    client.start();
    transport.last.end(refused);
    await client.close();
    await advance(60_000);
    assert.equal(transport.connections.length, 1);
  });

  it('while connecting, it aborts the connect', async () => {
    const { client, transport } = setup();
    client.start();
    const closing = client.close();
    assert.equal(transport.last.closedWith?.code, 1000);
    transport.last.end({ code: 1006, reason: 'WebSocket was closed before the connection was established' });
    await closing;
    assert.equal(transport.connections.length, 1);
  });

  it('whenRegistered() rejects with ClientClosedError, then and afterwards; start() afterwards throws', async () => {
    const { client, transport } = setup();
    client.start();
    const waiting = client.whenRegistered();
    const closing = client.close();
    await assert.rejects(waiting, ClientClosedError);
    await assert.rejects(client.whenRegistered(), ClientClosedError);
    assert.throws(() => client.start(), ClientClosedError);
    transport.last.end({ code: 1006, reason: '' });
    await closing;
    assert.equal(await client.close(), undefined, 'a second close() resolves too');
  });

  it('whenRegistered(signal) rejects with the reason when the signal aborts', async () => {
    const { client } = setup();
    client.start();
    const controller = new AbortController();
    const waiting = client.whenRegistered(controller.signal);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
  });
});
