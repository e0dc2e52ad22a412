import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { platform } from 'node:os';
import type { Duplex } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '@masterserver/testing';
import { type WebSocket, WebSocketServer } from 'ws';
import { type DisconnectInfo, GameServerClient, type GameServerClientOptions, WsTransport } from '../src/index.js';

/** One game server connection as the scripted MS sees it. */
interface Peer {
  socket: WebSocket;
  remoteAddress: string | undefined;
  received: string[];
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * A scripted MS on a real socket: answers every registration with success,
 * then runs `script` (if set) on each new connection.
 */
class ScriptedMs {
  readonly peers: Peer[] = [];
  script: ((peer: Peer) => void) | undefined;
  refuseWith: number | undefined;
  readonly #http: Server;
  readonly #wss: WebSocketServer;

  constructor() {
    this.#http = createServer();
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.#http.on('upgrade', (req, socket, head) => {
      if (this.refuseWith !== undefined) {
        socket.end(`HTTP/1.1 ${this.refuseWith} Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const peer: Peer = {
          socket: ws,
          remoteAddress: req.socket.remoteAddress,
          received: [],
          closed: new Promise((resolve) =>
            ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
          ),
        };
        ws.on('message', (data) => {
          const text = String(data);
          peer.received.push(text);
          const id = /"type":1,"id":(\d+)/.exec(text)?.[1];
          if (id !== undefined) ws.send(`{"metadata":{"type":-1,"id":${id}},"success":true}`);
        });
        this.peers.push(peer);
        this.script?.(peer);
      });
    });
  }

  async listen(): Promise<string> {
    this.#http.listen(0, '127.0.0.1');
    await once(this.#http, 'listening');
    return `ws://127.0.0.1:${(this.#http.address() as AddressInfo).port}/v2/server/ws`;
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}

describe('ws transport – against a real socket', () => {
  let ms: ScriptedMs;
  let url: string;
  const clients: GameServerClient[] = [];

  before(async () => {
    ms = new ScriptedMs();
    url = await ms.listen();
  });
  afterEach(async () => {
    ms.script = undefined;
    ms.refuseWith = undefined;
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(() => ms.close());

  function startClient(overrides: Partial<GameServerClientOptions> = {}): {
    client: GameServerClient;
    disconnects: DisconnectInfo[];
  } {
    const client = new GameServerClient({
      url,
      regToken: 'secret',
      info: { name: 'ws', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
      backoff: { initial: 50, max: 100 },
      ...overrides,
    });
    const disconnects: DisconnectInfo[] = [];
    client.on('disconnected', (info) => disconnects.push(info));
    clients.push(client);
    client.start();
    return { client, disconnects };
  }

  it('registers: the MS receives the exact registration text and the client is registered', async () => {
    const peersBefore = ms.peers.length;
    const { client } = startClient();
    await client.whenRegistered();
    const peer = ms.peers[peersBefore];
    assert.equal(
      peer?.received[0],
      '{"metadata":{"type":1,"id":1},"info":{"name":"ws","desc":"","port":37015,"map":"mp_box","playlist":"tdm",' +
        '"curPlayers":0,"maxPlayers":8,"gameState":0},"regToken":"secret"}',
    );
  });

  it('answers a Ping with a Pong', async () => {
    const peersBefore = ms.peers.length;
    const { client } = startClient();
    await client.whenRegistered();
    const peer = ms.peers[peersBefore];
    assert.ok(peer);
    const pong = once(peer.socket, 'pong');
    peer.socket.ping(Buffer.from('hi'));
    const [data] = await pong;
    assert.equal(String(data), 'hi');
  });

  const violations: Array<{ what: string; send: (peer: Peer) => void; code: number }> = [
    {
      what: 'a text frame that is not UTF-8',
      send: (p) => p.socket.send(Buffer.from([0x7b, 0xff]), { binary: false }),
      code: 1007,
    },
    { what: 'a binary frame', send: (p) => p.socket.send(Buffer.from('{}'), { binary: true }), code: 1003 },
    { what: 'a message over 64 KiB', send: (p) => p.socket.send(`"${'x'.repeat(65_536)}"`), code: 1009 },
    { what: 'malformed JSON', send: (p) => p.socket.send('{"metadata":'), code: 4000 },
    {
      what: 'a join request with a wrong schema',
      send: (p) => p.socket.send('{"metadata":{"type":2,"id":1}}'),
      code: 4002,
    },
  ];
  for (const { what, send, code } of violations) {
    it(`${what} from the MS → the client closes with ${code}, then reconnects`, async () => {
      const peersBefore = ms.peers.length;
      let sent = false;
      ms.script = (peer) => {
        if (sent) return;
        sent = true;
        peer.socket.once('message', () => send(peer));
      };
      const { client, disconnects } = startClient();
      const peer = await waitFor('the connection', () => ms.peers[peersBefore]);
      assert.equal((await peer.closed).code, code);
      await waitFor('the disconnected event', () => disconnects.length > 0);
      assert.equal(disconnects[0]?.code, code);
      await client.whenRegistered();
      assert.equal(ms.peers.length, peersBefore + 2, 'a new connection registered');
    });
  }

  it('a refused handshake (HTTP 429) is a failed connect, retried with backoff', async () => {
    ms.refuseWith = 429;
    const { client, disconnects } = startClient();
    await waitFor('two failed connects', () => disconnects.length >= 2);
    assert.equal(disconnects[0]?.code, 1006);
    assert.match(disconnects[0]?.reason ?? '', /429/);
    ms.refuseWith = undefined;
    await client.whenRegistered();
  });

  it('close() sends 1000 with a reason and resolves once the socket is closed', async () => {
    const peersBefore = ms.peers.length;
    const { client } = startClient();
    await client.whenRegistered();
    await client.close();
    assert.deepEqual(await ms.peers[peersBefore]?.closed, { code: 1000, reason: 'game server closing' });
  });

  it('connects from the given local address', {
    skip: platform() !== 'linux' && 'needs 127.0.0.2 (Linux)',
  }, async () => {
    const peersBefore = ms.peers.length;
    const { client } = startClient({ transport: new WsTransport({ localAddress: '127.0.0.2' }) });
    await client.whenRegistered();
    assert.equal(ms.peers[peersBefore]?.remoteAddress, '127.0.0.2');
  });
});

describe('ws transport – a peer that stops answering', () => {
  it('close() ends the TCP connection after closeTimeout when the MS never answers the Close frame', async () => {
    // Completes the WebSocket handshake, then never reads or writes again.
    const http = createServer();
    const sockets: Duplex[] = [];
    http.on('upgrade', (req, socket) => {
      sockets.push(socket);
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/v2/server/ws`;
    const client = new GameServerClient({
      url,
      regToken: 'secret',
      info: { name: 'mute', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
      transport: new WsTransport({ closeTimeout: 300 }),
    });
    try {
      client.start();
      await waitFor('the connection', () => client.status.state === 'connected');
      const started = performance.now();
      await client.close();
      const ms = performance.now() - started;
      assert.ok(ms >= 250 && ms < 1500, `closed after ${Math.round(ms)} ms`);
    } finally {
      // Upgraded sockets are the test's to end; the server does not track them.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
