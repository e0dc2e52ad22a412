import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { GameServerClientOptions } from '../src/index.js';
import { joinRequest, registrationOk } from './fake-transport.js';
import { advance, fakeTimers, flush, realTimers, setup } from './helpers.js';

/** A client with an open connection and registration 1 waiting for its answer; counts handler calls. */
function openClient(overrides: Partial<GameServerClientOptions> = {}) {
  let handled = 0;
  const harness = setup({
    onJoin: () => {
      handled++;
      return { accept: true };
    },
    ...overrides,
  });
  harness.client.start();
  harness.transport.last.open();
  return { ...harness, connection: harness.transport.last, handled: () => handled };
}

const cases: Array<{ rule: string; data: string | Uint8Array; isBinary?: boolean; code: number }> = [
  { rule: 'a binary frame', data: Buffer.from('{"metadata":{"type":2,"id":1}}'), isBinary: true, code: 1003 },
  { rule: 'text that is not UTF-8', data: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), code: 1007 },
  { rule: 'a lone surrogate encoded in UTF-8 (CESU)', data: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), code: 1007 },
  { rule: 'malformed JSON', data: '{"metadata":', code: 4000 },
  { rule: 'a top-level array', data: '[1,2]', code: 4000 },
  { rule: 'a top-level string', data: '"hello"', code: 4000 },
  {
    rule: 'a byte-order mark before the JSON',
    data: '\uFEFF{"metadata":{"type":-1,"id":1},"success":true}',
    code: 4000,
  },
  { rule: 'no metadata', data: '{"success":true}', code: 4001 },
  { rule: 'metadata not an object', data: '{"metadata":[1,2]}', code: 4001 },
  { rule: 'a string id', data: '{"metadata":{"type":-1,"id":"1"},"success":true}', code: 4001 },
  { rule: 'a fractional id', data: '{"metadata":{"type":-1,"id":1.5},"success":true}', code: 4001 },
  { rule: 'an exponent id', data: '{"metadata":{"type":-1,"id":1e0},"success":true}', code: 4001 },
  { rule: 'an id beyond int64', data: '{"metadata":{"type":2,"id":9223372036854775808}}', code: 4001 },
  { rule: 'a type the game server never receives (1)', data: '{"metadata":{"type":1,"id":1}}', code: 4001 },
  { rule: 'an unknown type', data: '{"metadata":{"type":7,"id":1}}', code: 4001 },
  {
    rule: 'a join request without sessionToken',
    data: '{"metadata":{"type":2,"id":1},"username":"a","clantag":"","conv":1}',
    code: 4002,
  },
  { rule: 'a join request with a negative conv', data: joinRequest(1, { conv: -1 }), code: 4002 },
  { rule: 'a join request with conv beyond UINT32', data: joinRequest(1, { conv: 4294967296 }), code: 4002 },
  { rule: 'a join request with a numeric username', data: joinRequest(1).replace('"alice"', '5'), code: 4002 },
  {
    rule: 'an awaited response with success "yes"',
    data: '{"metadata":{"type":-1,"id":1},"success":"yes"}',
    code: 4002,
  },
  { rule: 'an awaited refusal without error', data: '{"metadata":{"type":-1,"id":1},"success":false}', code: 4002 },
  {
    rule: 'an awaited success that has an error',
    data: '{"metadata":{"type":-1,"id":1},"success":true,"error":{"type":1,"msg":"x"}}',
    code: 4002,
  },
  {
    rule: 'an awaited refusal with a fractional error type',
    data: '{"metadata":{"type":-1,"id":1},"success":false,"error":{"type":1.5,"msg":"x"}}',
    code: 4002,
  },
];

describe('§3 checks on what the game server receives', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  for (const { rule, data, isBinary, code } of cases) {
    it(`${rule} → close ${code}, and nothing after it is acted on`, async () => {
      const { client, connection, handled, named } = openClient();
      connection.receive(data, isBinary);
      assert.equal(connection.closedWith?.code, code);
      // A valid join request and the awaited answer, arriving right behind it, are ignored.
      connection.receive(joinRequest(5));
      connection.receive(registrationOk(1));
      await flush();
      assert.equal(handled(), 0, 'the join handler was not called');
      assert.equal(connection.sent.length, 1, 'nothing but the first registration was sent');
      assert.notEqual(client.status.state, 'registered');
      // The reported close is the one the client sent, whatever the transport saw.
      connection.end({ code: 1006, reason: '' });
      assert.equal(named('disconnected')[0]?.code, code);
      assert.equal(client.status.state, 'reconnecting');
    });
  }

  it('the close reason names the broken rule', () => {
    const { connection } = openClient();
    connection.receive(joinRequest(1, { conv: -1 }));
    assert.deepEqual(connection.closedWith, { code: 4002, reason: 'wrong schema: conv must be a UINT32' });
  });

  it('a response whose id matches no waiting request is ignored, even with a wrong schema', async () => {
    const { client, connection } = openClient();
    connection.receive('{"metadata":{"type":-1,"id":99},"success":"garbage"}');
    connection.receive(registrationOk(2));
    connection.receive('{"metadata":{"type":-1,"id":9223372036854775807},"success":true}');
    assert.equal(connection.closedWith, undefined);
    assert.equal(client.status.state, 'connected');
    connection.receive(registrationOk(1));
    assert.equal(client.status.state, 'registered');
    await advance(0);
  });

  it('a second answer to an already answered registration is ignored', () => {
    const { client, connection, named } = openClient();
    connection.receive(registrationOk(1));
    connection.receive('{"metadata":{"type":-1,"id":1},"success":false,"error":{"type":1,"msg":"late"}}');
    assert.equal(connection.closedWith, undefined);
    assert.equal(client.status.state, 'registered');
    assert.equal(named('registrationFailed').length, 0);
  });

  it('unknown extra fields are ignored', async () => {
    const { client, connection, handled } = openClient();
    connection.receive('{"metadata":{"type":-1,"id":1,"extra":true},"success":true,"later":[1,{"x":null}]}');
    connection.receive(joinRequest(3).replace('"conv":', '"future":"field","conv":'));
    await flush();
    assert.equal(connection.closedWith, undefined);
    assert.equal(client.status.state, 'registered');
    assert.equal(handled(), 1);
  });

  it('a message after the client started to close is not acted on', async () => {
    const { client, connection, handled } = openClient();
    const closing = client.close();
    connection.receive(joinRequest(2));
    await flush();
    assert.equal(handled(), 0);
    connection.end({ code: 1000, reason: '' });
    await closing;
  });
});
