import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { encodeProbe } from '@masterserver/protocol';
import { answerProbes, bindGamePort, GamePortError, localAddressToward, probeReply } from '../src/index.js';

const NONCE = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const REPLY_HEX = `ffffffff${Buffer.from('MSREPLY1').toString('hex')}${NONCE.toString('hex')}`;

async function udp(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

/** The next datagram `socket` receives, or `undefined` if none within `ms`. */
function nextDatagram(socket: Socket, ms: number): Promise<[Buffer, RemoteInfo] | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, ms);
    const onMessage = (data: Buffer, from: RemoteInfo): void => {
      clearTimeout(timer);
      resolve([data, from]);
    };
    socket.once('message', onMessage);
  });
}

describe('probeReply', () => {
  it('answers a probe with FF FF FF FF, MSREPLY1 and the same nonce: 28 bytes', () => {
    const reply = probeReply(encodeProbe(NONCE));
    assert.equal(reply?.toString('hex'), REPLY_HEX);
  });

  it('answers nothing else: game traffic, another connectionless packet, an answer, a probe one byte off', () => {
    const probe = encodeProbe(NONCE);
    for (const datagram of [
      Buffer.from('2a000000deadbeef', 'hex'),
      Buffer.from('ffffffffgetinfo'),
      Buffer.from(REPLY_HEX, 'hex'),
      probe.subarray(0, 27),
      Buffer.concat([probe, Buffer.alloc(1)]),
      new Uint8Array(0),
    ]) {
      assert.equal(probeReply(datagram), undefined, Buffer.from(datagram).toString('hex'));
    }
  });
});

describe('answerProbes – on a real UDP socket', () => {
  let game: Socket;
  let ms: Socket;
  const toGame: Array<[string, number]> = [];
  let detach: () => void;

  before(async () => {
    game = await udp();
    ms = await udp();
    detach = answerProbes(game, (datagram, from) => toGame.push([datagram.toString('hex'), from.port]));
  });
  after(() => {
    game.close();
    ms.close();
  });

  const send = (datagram: Uint8Array) => ms.send(datagram, game.address().port, '127.0.0.1');

  it('a probe is answered from the game port to the probe source, and not handed to the game', async () => {
    const answer = nextDatagram(ms, 2000);
    send(encodeProbe(NONCE));
    const [data, from] = (await answer) ?? assert.fail('no answer');
    assert.equal(data.toString('hex'), REPLY_HEX);
    assert.equal(from.port, game.address().port, 'from the game port itself');
    assert.deepEqual(toGame, []);
  });

  it('game traffic and other connectionless packets go to the game, unanswered', async () => {
    const answer = nextDatagram(ms, 300);
    send(Buffer.from('2a000000c0ffee', 'hex'));
    send(Buffer.from('ffffffffgetinfo'));
    assert.equal(await answer, undefined);
    assert.deepEqual(toGame, [
      ['2a000000c0ffee', ms.address().port],
      [Buffer.from('ffffffffgetinfo').toString('hex'), ms.address().port],
    ]);
  });

  it('the function it returns detaches it: probes are no longer answered', async () => {
    detach();
    const answer = nextDatagram(ms, 300);
    send(encodeProbe(NONCE));
    assert.equal(await answer, undefined);
  });
});

describe('bindGamePort', () => {
  it('binds the game port; a second bind of it is refused with one line naming the port', async () => {
    const first = await udp();
    const { port } = first.address();
    try {
      await assert.rejects(bindGamePort({ port, host: '127.0.0.1' }), (error: unknown) => {
        assert.ok(error instanceof GamePortError);
        assert.equal(error.code, 'GAME_PORT_UNAVAILABLE');
        assert.equal(error.port, port);
        assert.equal(
          error.message,
          `game port udp 127.0.0.1:${port} is in use by another process, perhaps another game server`,
        );
        return true;
      });
    } finally {
      first.close();
    }
    const socket = await bindGamePort({ port, host: '127.0.0.1' });
    assert.deepEqual(socket.address(), { address: '127.0.0.1', family: 'IPv4', port });
    socket.close();
  });

  it('an address this host does not have is refused, naming it', async () => {
    // 198.51.100.0/24 is reserved for documentation (RFC 5737): no host has it.
    const bound = bindGamePort({ port: 40000, host: '198.51.100.1' });
    bound.then(
      (socket) => socket.close(),
      () => {},
    );
    await assert.rejects(bound, /^GamePortError: cannot bind game port udp 198\.51\.100\.1:40000: bind EADDRNOTAVAIL/);
  });
});

describe('localAddressToward', () => {
  it('is the address the OS sends to the MS from: a loopback MS is reached from loopback', async () => {
    assert.equal(await localAddressToward('ws://127.0.0.1:8080/v2/server/ws'), '127.0.0.1');
    assert.equal(await localAddressToward('ws://[::1]:8080/v2/server/ws'), '::1');
  });

  it('is undefined for a host name that does not resolve', async () => {
    assert.equal(await localAddressToward('wss://no-such-host.invalid/v2/server/ws'), undefined);
  });
});
