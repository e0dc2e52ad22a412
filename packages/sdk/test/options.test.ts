import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GameServerClient,
  type GameServerClientOptions,
  OptionError,
  TypedEmitter,
  WsTransport,
} from '../src/index.js';
import { FakeTransport } from './fake-transport.js';

const valid = (): GameServerClientOptions => ({
  url: 'wss://ms.example.com/v2/server/ws',
  regToken: 'secret',
  info: { name: 'opts', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
  transport: new FakeTransport(),
});

const throwsOption = (fn: () => unknown, option: string): void => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof OptionError, `an OptionError, got ${String(error)}`);
    assert.equal(error.option, option);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.ok(error.message.startsWith(`${option}: `), error.message);
    return true;
  });
};

describe('options – checked once, at construction', () => {
  it('the info defaults: empty desc, no players, gameState 0, no password', () => {
    const client = new GameServerClient(valid());
    assert.deepEqual(client.info, {
      name: 'opts',
      desc: '',
      port: 37015,
      map: 'mp_box',
      playlist: 'tdm',
      curPlayers: 0,
      maxPlayers: 8,
      gameState: 0,
    });
    assert.equal(client.url, 'wss://ms.example.com/v2/server/ws');
  });

  const bad: Array<[string, Partial<GameServerClientOptions> | Record<string, unknown>]> = [
    ['url', { url: 'http://ms.example.com/v2/server/ws' }],
    ['url', { url: 'not a url' }],
    ['regToken', { regToken: '' }],
    ['registerInterval', { registerInterval: 0 }],
    ['registerInterval', { registerInterval: 1.5 }],
    ['minRegisterGap', { minRegisterGap: -1 }],
    ['responseTimeout', { responseTimeout: 2 ** 31 }],
    ['joinTimeout', { joinTimeout: 0 }],
    ['sessionTtl', { sessionTtl: Number.POSITIVE_INFINITY }],
    ['backoff.initial', { backoff: { initial: -5 } }],
    ['onJoin', { onJoin: 'yes' }],
  ];
  for (const [option, change] of bad) {
    it(`refuses ${JSON.stringify(change)} naming ${option}`, () => {
      throwsOption(() => new GameServerClient({ ...valid(), ...(change as Partial<GameServerClientOptions>) }), option);
    });
  }

  const badInfo: Array<[string, Record<string, unknown>]> = [
    ['info.port', { port: 70000 }],
    ['info.port', { port: '37015' }],
    ['info.maxPlayers', { maxPlayers: 2 ** 31 }],
    ['info.name', { name: 5 }],
    ['info.password', { password: 1234 }],
    ['info.gameState', { gameState: 0.5 }],
  ];
  for (const [option, change] of badInfo) {
    it(`refuses info ${JSON.stringify(change)} naming ${option}`, () => {
      throwsOption(
        () => new GameServerClient({ ...valid(), info: { ...valid().info, ...(change as object) } }),
        option,
      );
    });
  }

  it('a wrong info field is refused with the protocol schema the MS applies: its type and the value found', () => {
    assert.throws(
      () => new GameServerClient({ ...valid(), info: { ...valid().info, port: 70000 } }),
      (error: unknown) =>
        error instanceof OptionError &&
        error.code === 'INVALID_OPTION' &&
        error.message === 'info.port: must be a UINT16, got 70000',
    );
    assert.throws(() => new GameServerClient({ ...valid(), info: { ...valid().info, gameState: '1' as never } }), {
      message: 'info.gameState: must be an INT32, got "1"',
    });
  });

  it('update() refuses a wrong type or an unknown field and changes nothing', () => {
    const client = new GameServerClient(valid());
    throwsOption(() => client.update({ curPlayers: -2147483649 }), 'info.curPlayers');
    throwsOption(() => client.update({ curplayers: 3 } as never), 'info.curplayers');
    assert.equal(client.info.curPlayers, 0);
    client.update({ curPlayers: 3, password: 'pw' });
    assert.equal(client.info.curPlayers, 3);
    assert.equal(client.info.password, 'pw');
  });

  it('values the list cannot use are left to the MS (registration error 2), not refused here', () => {
    const client = new GameServerClient({
      ...valid(),
      info: { ...valid().info, name: '', maxPlayers: 1, curPlayers: 5 },
    });
    assert.equal(client.info.name, '');
  });

  it('the ws transport checks its options too', () => {
    throwsOption(() => new WsTransport({ maxMessageSize: 0 }), 'maxMessageSize');
    throwsOption(() => new WsTransport({ closeTimeout: -1 }), 'closeTimeout');
  });
});

describe('typed emitter', () => {
  class Emitter extends TypedEmitter<{ ping: number; pong: string }> {
    fire(n: number): void {
      this.emit('ping', n);
    }
  }

  it('calls listeners in order; once() only once; off() stops them', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    const a = (n: number): void => {
      calls.push(`a${n}`);
    };
    emitter.on('ping', a).once('ping', (n) => calls.push(`once${n}`));
    emitter.fire(1);
    emitter.fire(2);
    emitter.off('ping', a);
    emitter.fire(3);
    assert.deepEqual(calls, ['a1', 'once1', 'a2']);
  });

  it('a listener that throws does not stop the others; its error is rethrown on a later turn', (t) => {
    const deferred: Array<() => void> = [];
    t.mock.method(globalThis, 'queueMicrotask', (callback: () => void) => deferred.push(callback));
    const emitter = new Emitter();
    const calls: number[] = [];
    emitter.on('ping', () => {
      throw new Error('listener bug');
    });
    emitter.on('ping', (n) => calls.push(n));
    emitter.fire(1);
    assert.deepEqual(calls, [1]);
    assert.equal(deferred.length, 1);
    assert.throws(() => deferred[0]?.(), /listener bug/);
  });
});
