import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type FakeConnection, registrationOk, registrationRefused } from './fake-transport.js';
import { advance, elapsed, fakeTimers, realTimers, setup, T0 } from './helpers.js';

const FIRST =
  '{"metadata":{"type":1,"id":1},"info":{"name":"unit","desc":"","port":37015,"map":"mp_box","playlist":"tdm",' +
  '"curPlayers":0,"maxPlayers":8,"gameState":0},"regToken":"secret"}';

/** The `info` of the `index`-th message sent. */
function sentInfo(connection: FakeConnection, index: number): Record<string, unknown> {
  const message = connection.sentJson()[index];
  if (message === undefined) throw new Error(`no message ${index} was sent`);
  return message.info as Record<string, unknown>;
}

const times = (sentAt: number[]): number[] => sentAt.map((at) => at - T0);

describe('registration – schedule', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('nothing connects before start(); start() connects to the URL', () => {
    const { client, transport } = setup();
    assert.equal(client.status.state, 'idle');
    assert.equal(transport.connections.length, 0);
    client.start();
    assert.equal(client.status.state, 'connecting');
    assert.equal(transport.last.url, 'ws://ms.test/v2/server/ws');
    client.start();
    assert.equal(transport.connections.length, 1, 'a second start() does nothing');
  });

  it('the first registration goes out the moment the connection opens, exactly as encoded', () => {
    const { client, transport } = setup();
    client.start();
    transport.last.open();
    assert.deepEqual(transport.last.sent, [FIRST]);
    assert.equal(client.status.state, 'connected');
  });

  it('then one every registerInterval, each with a new id', async () => {
    const { client, transport } = setup();
    client.start();
    transport.last.open();
    for (let i = 1; i <= 3; i++) {
      transport.last.receive(registrationOk(i));
      await advance(10_000);
    }
    assert.deepEqual(times(transport.last.sentAt), [0, 10_000, 20_000, 30_000]);
    assert.deepEqual(
      transport.last.sentJson().map((m) => m.metadata.id),
      [1, 2, 3, 4],
    );
  });

  it('a successful answer makes the status registered and emits registered once, not on every refresh', async () => {
    const { client, transport, named } = setup();
    client.start();
    transport.last.open();
    const listed = client.whenRegistered();
    transport.last.receive(registrationOk(1));
    await listed;
    assert.deepEqual(client.status, { state: 'registered', since: T0 });
    await advance(10_000);
    transport.last.receive(registrationOk(2));
    assert.equal(named('registered').length, 1);
    await client.whenRegistered();
  });

  it('update() without now goes out with the next scheduled registration', async () => {
    const { client, transport } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationOk(1));
    await advance(3_000);
    client.update({ curPlayers: 3, map: 'mp_glitch' });
    assert.equal(transport.last.sent.length, 1, 'not sent at once');
    assert.equal(client.info.curPlayers, 3);
    await advance(7_000);
    assert.deepEqual(sentInfo(transport.last, 1), { ...sentInfo(transport.last, 0), curPlayers: 3, map: 'mp_glitch' });
  });

  it('update(…, { now: true }) sends at once, and the interval restarts from there', async () => {
    const { client, transport } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationOk(1));
    await advance(4_000);
    client.update({ curPlayers: 1 }, { now: true });
    assert.deepEqual(times(transport.last.sentAt), [0, 4_000]);
    assert.equal(sentInfo(transport.last, 1).curPlayers, 1);
    transport.last.receive(registrationOk(2));
    await advance(10_000);
    assert.deepEqual(times(transport.last.sentAt), [0, 4_000, 14_000]);
  });

  it('updates with now within minRegisterGap of the last registration go out together when the gap has passed', async () => {
    const { client, transport } = setup({ minRegisterGap: 1_250 });
    client.start();
    transport.last.open();
    await advance(100);
    client.update({ curPlayers: 1 }, { now: true });
    await advance(100);
    client.update({ curPlayers: 2 }, { now: true });
    assert.equal(transport.last.sent.length, 1);
    await advance(1_050);
    assert.deepEqual(times(transport.last.sentAt), [0, 1_250]);
    assert.equal(sentInfo(transport.last, 1).curPlayers, 2);
  });

  it('update(…, { now: true }) before the connection opens is sent by the first registration', () => {
    const { client, transport } = setup();
    client.start();
    client.update({ curPlayers: 5 }, { now: true });
    transport.last.open();
    assert.equal(sentInfo(transport.last, 0).curPlayers, 5);
    assert.equal(transport.last.sent.length, 1);
  });

  it('a refused registration emits registrationFailed with the MS error type and message', () => {
    const { client, transport, named } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationRefused(1, 1, 'Invalid registration token'));
    assert.deepEqual(named('registrationFailed'), [{ type: 1, msg: 'Invalid registration token' }]);
    assert.deepEqual(client.status, {
      state: 'connected',
      registrationError: { type: 1, msg: 'Invalid registration token' },
    });
    assert.equal(transport.last.closedWith, undefined, 'the connection stays open');
  });

  it('after a refusal the retry goes out one interval after the refused registration, even if now is asked sooner', async () => {
    const { client, transport, named } = setup({ minRegisterGap: 0 });
    client.start();
    transport.last.open();
    await advance(50);
    transport.last.receive(registrationRefused(1));
    await advance(2_000);
    client.update({ curPlayers: 1 }, { now: true });
    await advance(7_949);
    assert.equal(transport.last.sent.length, 1, 'nothing before the interval');
    await advance(1);
    assert.deepEqual(times(transport.last.sentAt), [0, 10_000]);
    transport.last.receive(registrationRefused(2));
    await advance(10_000);
    transport.last.receive(registrationOk(3));
    assert.deepEqual(times(transport.last.sentAt), [0, 10_000, 20_000]);
    assert.equal(named('registrationFailed').length, 2);
    assert.equal(client.status.state, 'registered');
  });

  it('after a refusal, a new connection also waits out the interval before registering', async () => {
    const { client, transport } = setup();
    client.start();
    transport.last.open();
    transport.last.receive(registrationRefused(1));
    await advance(100);
    transport.last.end({ code: 1008, reason: 'too many failed registrations' });
    await advance(500); // backoff: 0.5 × 1000
    assert.equal(transport.connections.length, 2);
    transport.last.open();
    assert.equal(transport.last.sent.length, 0);
    await advance(10_000 - elapsed() - 1);
    assert.equal(transport.last.sent.length, 0);
    await advance(1);
    assert.deepEqual(times(transport.last.sentAt), [10_000]);
  });

  it('a registration unanswered for responseTimeout counts the connection as dead: closed with 1001, then replaced', async () => {
    const { client, transport, named } = setup({ responseTimeout: 3_000 });
    client.start();
    transport.last.open();
    await advance(2_999);
    assert.equal(transport.last.closedWith, undefined);
    await advance(1);
    assert.deepEqual(transport.last.closedWith, { code: 1001, reason: 'no answer to registration 1 within 3000 ms' });
    transport.last.end({ code: 1006, reason: '' });
    assert.deepEqual(named('disconnected')[0], {
      code: 1001,
      reason: 'no answer to registration 1 within 3000 ms',
      reconnectIn: 500,
    });
    await advance(500);
    assert.equal(transport.connections.length, 2);
    assert.equal(client.status.state, 'connecting');
  });

  it('an answer to an earlier registration still counts while it is waiting', async () => {
    const { client, transport } = setup({ registerInterval: 2_000, responseTimeout: 10_000 });
    client.start();
    transport.last.open();
    await advance(2_000);
    assert.equal(transport.last.sent.length, 2);
    transport.last.receive(registrationOk(1));
    transport.last.receive(registrationOk(2));
    assert.equal(client.status.state, 'registered');
    assert.equal(transport.last.closedWith, undefined);
  });
});
