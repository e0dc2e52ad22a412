import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { encodeFrame, HandshakeError, Opcode, RawWebSocket } from '../src/index.js';

interface Received {
  text: string;
  isBinary: boolean;
}

/** A ws server that records and echoes every message. */
async function startEchoServer(): Promise<{
  url: string;
  received: Received[];
  connection: Promise<WebSocket>;
  stop: () => Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, maxPayload: 1 << 20 });
  await once(wss, 'listening');
  const received: Received[] = [];
  const connection = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
        received.push({ text: buffer.toString('utf8'), isBinary });
        ws.send(buffer, { binary: isBinary });
      });
      resolve(ws);
    });
  });
  const address = wss.address();
  assert.ok(typeof address === 'object' && address !== null);
  const stop = async (): Promise<void> => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { url: `ws://127.0.0.1:${address.port}/path?q=1`, received, connection, stop };
}

test('encodeFrame picks 7-, 16- and 64-bit lengths and masks', () => {
  const key = Buffer.from([1, 2, 3, 4]);
  const small = encodeFrame(Opcode.TEXT, 'abc', { maskKey: key });
  assert.deepEqual([...small.subarray(0, 6)], [0x81, 0x83, 1, 2, 3, 4]);
  assert.deepEqual([...small.subarray(6)], [0x61 ^ 1, 0x62 ^ 2, 0x63 ^ 3]);
  assert.equal(encodeFrame(Opcode.BINARY, Buffer.alloc(125)).readUInt8(1), 0x80 | 125);
  const medium = encodeFrame(Opcode.BINARY, Buffer.alloc(126), { mask: false, fin: false, rsv: 4 });
  assert.deepEqual([...medium.subarray(0, 4)], [0x42, 126, 0, 126]);
  assert.equal(medium.length, 4 + 126);
  const large = encodeFrame(Opcode.BINARY, Buffer.alloc(65536), { mask: false });
  assert.equal(large.readUInt8(1), 127);
  assert.equal(large.readBigUInt64BE(2), 65536n);
  assert.throws(() => encodeFrame(16, ''), /opcode/);
});

test('encodeFrame writes a declared length that the payload does not match', () => {
  const huge = encodeFrame(Opcode.TEXT, '', { mask: false, declaredLength: 2n ** 63n });
  assert.deepEqual([...huge], [0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  const medium = encodeFrame(Opcode.TEXT, 'ab', { mask: false, declaredLength: 5000 });
  assert.deepEqual([...medium], [0x81, 126, 0x13, 0x88, 0x61, 0x62]);
  assert.throws(() => encodeFrame(Opcode.TEXT, '', { declaredLength: 2n ** 64n }), /64 bits/);
});

test('echoes a text message', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    ws.sendText('hello ✓');
    assert.equal(await ws.nextText(), 'hello ✓');
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('two frames written in one write arrive in order', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    ws.write(Buffer.concat([encodeFrame(Opcode.TEXT, 'one'), encodeFrame(Opcode.TEXT, 'two')]));
    assert.equal(await ws.nextText(), 'one');
    assert.equal(await ws.nextText(), 'two');
    assert.deepEqual(server.received, [
      { text: 'one', isBinary: false },
      { text: 'two', isBinary: false },
    ]);
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('a fragmented text message is reassembled by the server', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    ws.sendFrame(Opcode.TEXT, 'hel', { fin: false });
    ws.sendFrame(Opcode.CONTINUATION, 'lo');
    assert.equal(await ws.nextText(), 'hello');
    assert.deepEqual(server.received, [{ text: 'hello', isBinary: false }]);
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('a 70,000-byte message round-trips with 64-bit lengths', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    const text = Array.from({ length: 70_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const frame = encodeFrame(Opcode.TEXT, text);
    assert.equal(frame.readUInt8(1), 0x80 | 127);
    ws.write(frame);
    const echoed = await ws.nextFrame();
    assert.equal(echoed.opcode, Opcode.TEXT);
    assert.equal(echoed.fin, true);
    assert.equal(echoed.payload.toString('utf8'), text);
    assert.equal(server.received[0]?.text.length, 70_000);
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test("the server's close code and reason are seen by closeFrame", async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    (await server.connection).close(4002, 'bad');
    assert.deepEqual(await ws.closeFrame, { code: 4002, reason: 'bad' });
    await assert.rejects(ws.nextText(), /expected a text frame, got a close frame \(code 4002, reason "bad"\)/);
    await assert.rejects(ws.nextFrame(50), /timed out after 50 ms waiting for the next frame/);
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('autoCloseReply echoes the code and the connection ends', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  ws.autoCloseReply = true;
  try {
    const serverSide = await server.connection;
    const serverClosed = once(serverSide, 'close');
    serverSide.close(4003, 'bye');
    const [code] = await serverClosed;
    assert.equal(code, 4003);
    const ended = await ws.ended;
    assert.deepEqual(ended.closeFrame, { code: 4003, reason: 'bye' });
    assert.equal(ws.isEnded, true);
    assert.equal((await ws.nextFrame()).opcode, Opcode.CLOSE);
    await assert.rejects(
      ws.nextFrame(),
      /ended while waiting for the next frame \(server sent close frame \(code 4003/,
    );
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('a dropped connection ends promptly and rejects pending reads', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    const pending = ws.nextFrame(10_000);
    const started = performance.now();
    (await server.connection).terminate();
    await assert.rejects(pending, /connection ended while waiting for the next frame \(no close frame/);
    assert.ok(performance.now() - started < 5000);
    const ended = await ws.ended;
    assert.equal(ended.closeFrame, undefined);
    await assert.rejects(ws.closeFrame, /no close frame/);
    await assert.rejects(ws.nextText(), /connection ended/);
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('connect rejects with HandshakeError when the upgrade is refused', async () => {
  const server = http.createServer();
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\nno');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  try {
    await assert.rejects(RawWebSocket.connect(`ws://127.0.0.1:${address.port}/`), (error: unknown) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.status, 429);
      assert.equal(error.body, 'no');
      assert.equal(error.headers['content-length'], '2');
      return true;
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('connect rejects with the socket error when nothing listens', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  assert.ok(typeof address === 'object' && address !== null);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(RawWebSocket.connect(`ws://127.0.0.1:${address.port}/`), { code: 'ECONNREFUSED' });
});

test('a ping from the server is answered with a pong automatically', async () => {
  const server = await startEchoServer();
  const ws = await RawWebSocket.connect(server.url);
  try {
    const serverSide = await server.connection;
    const pong = once(serverSide, 'pong');
    serverSide.ping('abc');
    const [data] = await pong;
    assert.ok(Buffer.isBuffer(data));
    assert.equal(data.toString(), 'abc');
    const ping = await ws.nextFrame();
    assert.equal(ping.opcode, Opcode.PING);
    assert.equal(ping.payload.toString(), 'abc');
  } finally {
    ws.destroy();
    await server.stop();
  }
});

test('parses masked server frames that arrive with the 101 and split across chunks', async () => {
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: (.*)\r\n/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      const big = encodeFrame(Opcode.BINARY, Buffer.alloc(300, 7));
      const bytes = Buffer.concat([
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        ),
        encodeFrame(Opcode.TEXT, 'first'),
        big.subarray(0, 3),
      ]);
      socket.write(bytes);
      setTimeout(() => socket.write(big.subarray(3)), 20);
      setTimeout(() => socket.end(encodeFrame(Opcode.CLOSE, Buffer.alloc(0), { mask: false })), 40);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  const ws = await RawWebSocket.connect(`ws://127.0.0.1:${address.port}/`);
  try {
    assert.equal(await ws.nextText(), 'first');
    const frame = await ws.nextFrame();
    assert.equal(frame.opcode, Opcode.BINARY);
    assert.deepEqual(frame.payload, Buffer.alloc(300, 7));
    assert.deepEqual(await ws.closeFrame, { code: undefined, reason: '' });
    assert.deepEqual((await ws.ended).closeFrame, { code: undefined, reason: '' });
  } finally {
    ws.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
