import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type GameServerClientOptions, JoinErrorType, type PlayerJoin, rejectJoin } from '../src/index.js';
import { joinRequest, registrationOk } from './fake-transport.js';
import { advance, elapsed, fakeTimers, flush, realTimers, setup } from './helpers.js';

/** A registered client on a fake connection. */
function listedClient(overrides: Partial<GameServerClientOptions> = {}) {
  const harness = setup(overrides);
  harness.client.start();
  harness.transport.last.open();
  harness.transport.last.receive(registrationOk(1));
  return { ...harness, connection: harness.transport.last };
}

const accepted = (id: string): string => `{"metadata":{"type":-2,"id":${id}},"success":true}`;
const rejected = (id: string, type: number, msg: string): string =>
  `{"metadata":{"type":-2,"id":${id}},"success":false,"error":{"type":${type},"msg":${JSON.stringify(msg)}}}`;

describe('joins – answers', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('a join request id of 9223372036854775807 is answered with exactly that id', async () => {
    const { connection } = listedClient();
    connection.receive(joinRequest('9223372036854775807'));
    await flush();
    assert.equal(connection.sent[1], '{"metadata":{"type":-2,"id":9223372036854775807},"success":true}');
  });

  for (const id of ['-9223372036854775808', '9007199254740993', '0', '-0', '-1']) {
    it(`the join request id ${id} is echoed byte for byte`, async () => {
      const { connection } = listedClient();
      connection.receive(joinRequest(id));
      await flush();
      assert.equal(connection.sent[1], accepted(id));
    });
  }

  it('the handler sees the id as exact text, the token, username, clantag and conv', async () => {
    const seen: PlayerJoin[] = [];
    const { connection } = listedClient({
      onJoin: (join) => {
        seen.push(join);
        return { accept: true };
      },
    });
    connection.receive(
      joinRequest('9223372036854775807', { sessionToken: 'tok', username: 'Zoë', clantag: '', conv: 4294967295 }),
    );
    await flush();
    assert.deepEqual(seen, [
      { id: '9223372036854775807', sessionToken: 'tok', username: 'Zoë', clantag: '', conv: 4294967295 },
    ]);
  });

  it('without a handler every player is accepted', async () => {
    const { connection } = listedClient();
    connection.receive(joinRequest(7));
    await flush();
    assert.equal(connection.sent[1], accepted('7'));
  });

  it('an async handler that rejects the player sends its error type and message', async () => {
    const { connection, named } = listedClient({
      onJoin: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return rejectJoin(JoinErrorType.SERVER_FULL, 'full "house"');
      },
    });
    connection.receive(joinRequest(8));
    await advance(99);
    assert.equal(connection.sent.length, 1);
    await advance(1);
    assert.equal(connection.sent[1], rejected('8', 2, 'full "house"'));
    assert.deepEqual(named('join')[0], {
      join: { id: '8', sessionToken: 'token-1', username: 'alice', clantag: 'ABC', conv: 42 },
      accepted: false,
      error: { type: 2, msg: 'full "house"' },
      handlerFailure: undefined,
    });
  });

  it('a handler that hangs is answered with a rejection at joinTimeout (default 4 s, before the MS gives up at 5 s)', async () => {
    let signal: AbortSignal | undefined;
    const { connection, named } = listedClient({
      onJoin: (_join, s) => {
        signal = s;
        return new Promise(() => {});
      },
    });
    connection.receive(joinRequest(9));
    await advance(3_999);
    assert.equal(connection.sent.length, 1);
    await advance(1);
    assert.equal(elapsed(), 4_000);
    assert.equal(
      connection.sent[1],
      rejected('9', JoinErrorType.HANDLER_TIMEOUT, 'the game server did not decide in time'),
    );
    assert.equal(signal?.aborted, true, 'the handler is told to stop');
    assert.equal(named('join')[0]?.handlerFailure?.kind, 'timeout');
  });

  it('a handler that throws is answered at once with a rejection that does not leak the error', async () => {
    const { connection, named } = listedClient({
      onJoin: () => {
        throw new Error('database password is hunter2');
      },
    });
    connection.receive(joinRequest(10));
    await flush();
    assert.equal(
      connection.sent[1],
      rejected('10', JoinErrorType.HANDLER_FAILED, 'the game server could not decide on the join'),
    );
    const failure = named('join')[0]?.handlerFailure;
    assert.equal(failure?.kind, 'error');
    assert.match(String(failure?.cause), /hunter2/);
  });

  it('a handler that returns something that is not an answer counts as failed', async () => {
    const { connection } = listedClient({ onJoin: () => ({ accept: 'yes' }) as never });
    connection.receive(joinRequest(11));
    await flush();
    assert.match(connection.sent[1] ?? '', /"type":3,/);
  });

  it('an answer that comes after the timeout is dropped, and its player gets no session', async () => {
    let accept: (() => void) | undefined;
    const { client, connection } = listedClient({
      joinTimeout: 1_000,
      onJoin: () =>
        new Promise((resolve) => {
          accept = () => resolve({ accept: true });
        }),
    });
    connection.receive(joinRequest(12, { sessionToken: 'late' }));
    await advance(1_000);
    accept?.();
    await flush();
    assert.equal(connection.sent.length, 2);
    assert.equal(client.consumeSession('late'), undefined);
  });

  it('when the connection closes while the handler decides, nothing is sent and the handler is aborted', async () => {
    let signal: AbortSignal | undefined;
    let accept: (() => void) | undefined;
    const { client, transport, connection, named } = listedClient({
      onJoin: (_join, s) => {
        signal = s;
        return new Promise((resolve) => {
          accept = () => resolve({ accept: true });
        });
      },
    });
    connection.receive(joinRequest(13, { sessionToken: 'gone' }));
    await flush();
    connection.end({ code: 1001, reason: 'going away' });
    assert.equal(signal?.aborted, true);
    accept?.();
    await advance(500);
    transport.last.open();
    await flush();
    assert.equal(connection.sent.length, 1);
    assert.equal(client.consumeSession('gone'), undefined);
    assert.equal(named('join').length, 0);
  });

  it('joins are answered concurrently, each with its own id', async () => {
    const { connection } = listedClient({
      onJoin: async (join) => {
        await new Promise((resolve) => setTimeout(resolve, join.username === 'slow' ? 200 : 100));
        return { accept: true };
      },
    });
    connection.receive(joinRequest(20, { username: 'slow' }));
    connection.receive(joinRequest(21, { username: 'fast' }));
    await advance(200);
    assert.deepEqual(connection.sent.slice(1), [accepted('21'), accepted('20')]);
  });
});

describe('joins – sessions', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('an accepted join is kept for consumeSession(token), which returns it once', async () => {
    const { client, connection } = listedClient();
    connection.receive(joinRequest(1, { sessionToken: 'abc', username: 'bob', clantag: 'X', conv: 77 }));
    await flush();
    const session = client.consumeSession('abc');
    assert.deepEqual(session && { username: session.username, clantag: session.clantag, conv: session.conv }, {
      username: 'bob',
      clantag: 'X',
      conv: 77,
    });
    assert.equal(client.consumeSession('abc'), undefined, 'only once');
    assert.equal(client.consumeSession('never-issued'), undefined);
  });

  it('a rejected join leaves no session', async () => {
    const { client, connection } = listedClient({ onJoin: () => rejectJoin(1, 'no') });
    connection.receive(joinRequest(1, { sessionToken: 'nope' }));
    await flush();
    assert.equal(client.consumeSession('nope'), undefined);
  });

  it('sessions expire after sessionTtl (default 60 s)', async () => {
    const { client, connection } = listedClient();
    connection.receive(joinRequest(1, { sessionToken: 'a' }));
    connection.receive(joinRequest(2, { sessionToken: 'b' }));
    await flush();
    await advance(59_999);
    assert.equal(client.consumeSession('a')?.username, 'alice');
    await advance(1);
    assert.equal(client.consumeSession('b'), undefined);
  });

  it('sessions survive a reconnect, and close() forgets them', async () => {
    const { client, transport, connection } = listedClient({ sessionTtl: 5_000 });
    connection.receive(joinRequest(1, { sessionToken: 'a' }));
    connection.receive(joinRequest(2, { sessionToken: 'b' }));
    await flush();
    connection.end({ code: 1001, reason: 'going away' });
    await advance(500);
    transport.last.open();
    assert.equal(client.consumeSession('a')?.conv, 42);
    const closing = client.close();
    transport.last.end({ code: 1000, reason: '' });
    await closing;
    assert.equal(client.consumeSession('b'), undefined);
  });
});
