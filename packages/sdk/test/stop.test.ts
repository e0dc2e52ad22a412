import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ClientStoppedError, CloseCode } from '../src/index.js';
import { registrationOk } from './fake-transport.js';
import { advance, fakeTimers, realTimers, setup } from './helpers.js';

const ADDRESS = '203.0.113.7';

/** A started client whose first connection opened, from `localAddress`, and registered. */
function registered(localAddress: string | undefined) {
  const s = setup();
  s.client.start();
  s.transport.last.localAddress = localAddress;
  s.transport.last.open();
  s.transport.last.receive(registrationOk(1));
  assert.equal(s.client.status.state, 'registered');
  return s;
}

describe('stop rule – 4005 and 4011 stop the client for good', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('4005: stopped, with an event naming the code, the reason and the address it registered; never reconnects', async () => {
    const { client, transport, named } = registered(ADDRESS);
    transport.last.end({ code: CloseCode.SUPERSEDED, reason: 'superseded' });
    assert.deepEqual(client.status, { state: 'stopped', code: 4005, reason: 'superseded' });
    assert.deepEqual(named('stopped'), [
      {
        code: 4005,
        reason: 'superseded',
        address: '203.0.113.7:37015',
        message:
          'another game server registered 203.0.113.7:37015 with the masterserver, which closed this connection ' +
          '(4005 superseded); not reconnecting',
      },
    ]);
    assert.deepEqual(named('disconnected'), [{ code: 4005, reason: 'superseded', reconnectIn: undefined }]);
    await advance(10 * 60_000);
    assert.equal(transport.connections.length, 1, 'no reconnect, however long');
    assert.equal(client.status.state, 'stopped');
  });

  it('4011: stopped, with the ban reason and no address; never reconnects', async () => {
    const { client, transport, named } = registered(ADDRESS);
    transport.last.end({ code: CloseCode.BANNED, reason: 'cheating' });
    assert.deepEqual(client.status, { state: 'stopped', code: 4011, reason: 'cheating' });
    assert.deepEqual(named('stopped'), [
      {
        code: 4011,
        reason: 'cheating',
        address: undefined,
        message: 'banned by the masterserver (4011 cheating); not reconnecting',
      },
    ]);
    await advance(10 * 60_000);
    assert.equal(transport.connections.length, 1);
  });

  it('an IPv6 address is written in brackets; an unknown one as *', () => {
    const v6 = registered('2001:db8::7');
    v6.transport.last.end({ code: 4005, reason: 'superseded' });
    assert.equal(v6.named('stopped')[0]?.address, '[2001:db8::7]:37015');
    const unknown = registered(undefined);
    unknown.transport.last.end({ code: 4005, reason: 'superseded' });
    assert.equal(unknown.named('stopped')[0]?.address, '*:37015');
  });

  it('whenRegistered() rejects with ClientStoppedError when it stops, and at once while stopped', async () => {
    const { client, transport } = setup();
    client.start();
    const waiting = client.whenRegistered();
    transport.last.open();
    transport.last.end({ code: 4011, reason: 'cheating' });
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof ClientStoppedError);
      assert.deepEqual([error.code, error.closeCode, error.reason], ['CLIENT_STOPPED', 4011, 'cheating']);
      return true;
    });
    await assert.rejects(client.whenRegistered(), ClientStoppedError);
  });

  it('start() after a stop is the game deciding: it connects again, from the first backoff step', async () => {
    const { client, transport, named } = registered(ADDRESS);
    transport.last.end({ code: 4005, reason: 'superseded' });
    client.start();
    assert.deepEqual(client.status, { state: 'connecting', attempt: 1 });
    assert.equal(transport.connections.length, 2);
    transport.last.open();
    transport.last.receive(registrationOk(2));
    assert.equal(client.status.state, 'registered');
    await client.whenRegistered();
    transport.last.end({ code: 1001, reason: 'going away' });
    assert.equal(named('disconnected').at(-1)?.reconnectIn, 500, 'and reconnects after other closes as before');
  });

  it('close() while stopped resolves at once and leaves it closed', async () => {
    const { client, transport } = registered(ADDRESS);
    transport.last.end({ code: 4005, reason: 'superseded' });
    await client.close();
    assert.deepEqual(client.status, { state: 'closed' });
  });
});

describe('stop rule – every other close reconnects with backoff', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  const others: Array<[number, string]> = [
    [1001, 'going away'],
    [1008, 'registration required'],
    [1011, 'internal error'],
    [4008, 'pong timeout'],
    [4010, 'removed by an operator'],
    [1006, 'read ECONNRESET'],
  ];
  for (const [code, reason] of others) {
    it(`${code} (${reason}): reconnecting, then a new connection after the delay`, async () => {
      const { client, transport, named } = registered(ADDRESS);
      transport.last.end({ code, reason });
      assert.deepEqual(client.status, { state: 'reconnecting', attempt: 2, delay: 500, code });
      assert.deepEqual(named('stopped'), []);
      await advance(500);
      assert.equal(transport.connections.length, 2);
    });
  }

  it('a 4005 arriving on a connection the client already gave up (no answer to a registration) is ignored: it reconnects', async () => {
    const { client, transport, named } = setup({ responseTimeout: 2_000 });
    client.start();
    transport.last.open();
    await advance(2_000);
    assert.equal(transport.last.closedWith?.code, 1001, 'the client gave the connection up');
    transport.last.end({ code: 4005, reason: 'superseded' });
    assert.equal(client.status.state, 'reconnecting');
    assert.deepEqual(named('stopped'), []);
    await advance(named('disconnected')[0]?.reconnectIn ?? 0);
    assert.equal(transport.connections.length, 2);
  });

  it('a 4011 arriving after close() is ignored: closed, not stopped', async () => {
    const { client, transport, named } = registered(ADDRESS);
    const closing = client.close();
    transport.last.end({ code: 4011, reason: 'cheating' });
    await closing;
    assert.deepEqual(client.status, { state: 'closed' });
    assert.deepEqual(named('stopped'), []);
  });
});
