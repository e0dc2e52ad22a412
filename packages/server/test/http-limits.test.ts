import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { IdleSweep } from '../src/http/idle-sweep.js';
import { MasterServer } from '../src/index.js';
import { startMs, TOKEN } from './helpers.js';

/** Opens a TCP connection to `url` from `localAddress` and collects what comes back. */
async function open(url: string, localAddress = '127.0.0.1'): Promise<{ socket: Socket; received: () => string }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks).toString() };
}

const closed = (socket: Socket): Promise<void> =>
  socket.destroyed || socket.readableEnded ? Promise.resolve() : once(socket, 'close').then(() => {});

describe('HTTP limits: the API alone is as hard to abuse as the WebSocket side', () => {
  it('a connection flood from one IP: beyond --max-http-conns-per-ip each is answered 429 and closed; other IPs are served, and a freed place can be used again', async () => {
    const t = await startMs({ maxHttpConnsPerIp: 8 });
    const sockets: Socket[] = [];
    try {
      const held = await Promise.all(Array.from({ length: 8 }, () => open(t.url)));
      sockets.push(...held.map((c) => c.socket));
      const refused = await Promise.all(Array.from({ length: 20 }, () => open(t.url)));
      sockets.push(...refused.map((c) => c.socket));
      await Promise.all(refused.map((c) => closed(c.socket)));
      for (const c of refused) assert.match(c.received(), /^HTTP\/1\.1 429 [\s\S]*"code":"TOO_MANY_CONNECTIONS"/);
      assert.ok(
        held.every((c) => !c.socket.destroyed),
        'the first eight stay open',
      );
      const other = await fetchRaw(`${t.url}/healthz`, { localAddress: '127.0.0.2' });
      assert.equal(other.status, 200, 'another IP is served');
      (held[0] as { socket: Socket }).socket.destroy();
      await waitFor('a place is free again', async () => {
        const again = await open(t.url);
        sockets.push(again.socket);
        again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        await closed(again.socket);
        return again.received().startsWith('HTTP/1.1 200');
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await t.close();
    }
  });

  it('a slowloris on the API is answered 408 at the headers timeout, and does not keep other clients out', async () => {
    const t = await startMs({ maxHttpConnsPerIp: 4, headersTimeout: 500 });
    const sockets: Socket[] = [];
    let drip: NodeJS.Timeout | undefined;
    try {
      const slow = await Promise.all(Array.from({ length: 4 }, () => open(t.url)));
      sockets.push(...slow.map((c) => c.socket));
      const request = `GET /v2/client/servers HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(500)}\r\n\r\n`;
      let at = 0;
      drip = setInterval(() => {
        for (const { socket } of slow) if (!socket.destroyed) socket.write(request.charAt(at));
        at++;
      }, 50);
      assert.equal((await fetchRaw(`${t.url}/healthz`, { localAddress: '127.0.0.2' })).status, 200);
      const started = performance.now();
      await Promise.all(slow.map((c) => closed(c.socket)));
      assert.ok(at < request.length, 'cut off while the request was still incomplete');
      assert.ok(performance.now() - started < 3000);
      for (const c of slow) assert.match(c.received(), /^HTTP\/1\.1 408 [\s\S]*"code":"REQUEST_TIMEOUT"/);
      await waitFor('their places free again', async () => (await fetchRaw(`${t.url}/healthz`)).status === 200);
    } finally {
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
      await t.close();
    }
  });

  it('game servers’ WebSockets count under --max-connections-per-ip, not under the HTTP cap', async () => {
    const t = await startMs({ maxHttpConnsPerIp: 2 });
    try {
      const servers = await Promise.all(Array.from({ length: 5 }, () => t.connect()));
      for (const [i, gs] of servers.entries()) {
        assert.equal((await gs.register({ name: `ws-${i}`, port: 30_000 + i })).value.success, true);
      }
      assert.equal((await fetchRaw(`${t.url}/v2/client/servers`)).status, 200, 'HTTP still has its places');
    } finally {
      await t.close();
    }
  });

  it('attach() on a server of one’s own applies the same timeouts and caps (Node.js’s laxer defaults replaced)', async () => {
    const server = createServer({ connectionsCheckingInterval: 100 });
    assert.equal(server.headersTimeout, 60_000, "Node.js's default");
    const ms = new MasterServer({
      regTokens: [TOKEN],
      verifyReachability: 'off',
      headersTimeout: 400,
      requestTimeout: 1000,
      keepAliveTimeout: 1500,
      idleTimeout: 7000,
      maxHeaderSize: 4096,
      maxHttpConnsPerIp: 3,
    });
    await ms.attach(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const sockets: Socket[] = [];
    try {
      assert.equal(server.headersTimeout, 400);
      assert.equal(server.requestTimeout, 1000);
      assert.equal(server.keepAliveTimeout, 1500);
      assert.equal(server.timeout, 0, 'the idle timeout is a sweep of the connections, not a timer per request');
      const silent = await open(url);
      sockets.push(silent.socket);
      await closed(silent.socket);
      assert.match(silent.received(), /^HTTP\/1\.1 408/, 'the headers timeout holds');
      const big = await fetchRaw(`${url}/healthz`, { headers: { 'x-big': 'a'.repeat(5000) } });
      assert.equal(big.status, 431);
      const held = await Promise.all(Array.from({ length: 3 }, () => open(url)));
      const fourth = await open(url);
      sockets.push(...held.map((c) => c.socket), fourth.socket);
      await closed(fourth.socket);
      assert.match(fourth.received(), /^HTTP\/1\.1 429/);
      for (const c of held) c.socket.destroy();
      const gs = await waitFor('a place for the upgrade', () =>
        TestGameServer.connect(`${url.replace('http', 'ws')}/v2/server/ws`, TOKEN).catch(() => undefined),
      );
      assert.equal((await gs.register({ name: 'attached' })).value.success, true);
      gs.socket.destroy();
    } finally {
      for (const socket of sockets) socket.destroy();
      await ms.close();
      server.close();
    }
  });

  it('what Node.js or ws would answer without a body is answered in JSON: a bad WebSocket handshake, a non-GET upgrade, a missing Host, a Host beyond the kept headers', async () => {
    const t = await startMs({ maxHeaders: 20 });
    const exchange = async (request: string): Promise<string> => {
      const c = await open(t.url);
      c.socket.write(request);
      await closed(c.socket);
      return c.received();
    };
    const upgrade = (method: string, key: string) =>
      `${method} /v2/server/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    try {
      assert.match(
        await exchange(upgrade('GET', 'not-a-key')),
        /^HTTP\/1\.1 400 [\s\S]*"code":"BAD_REQUEST","msg":"not a WebSocket handshake: [^"]+"/,
      );
      assert.match(
        await exchange(upgrade('POST', 'dGhlIHNhbXBsZSBub25jZQ==')),
        /^HTTP\/1\.1 405 [\s\S]*Allow: GET[\s\S]*"code":"METHOD_NOT_ALLOWED"/,
      );
      assert.match(
        await exchange('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'),
        /^HTTP\/1\.1 400 [\s\S]*"msg":"an HTTP\/1\.1 request needs a Host header"/,
      );
      const padding = Array.from({ length: 40 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
      assert.match(
        await exchange(`GET /healthz HTTP/1.1\r\n${padding}Host: x\r\n\r\n`),
        /^HTTP\/1\.1 431 [\s\S]*"code":"HEADERS_TOO_LARGE"/,
      );
    } finally {
      await t.close();
    }
  });
});

describe('IdleSweep: the idle timeout without a timer per connection', () => {
  it('destroys a connection that made no progress for the timeout, keeps one that moves, and forgets one taken over', async () => {
    const timeout = 400;
    const sweep = new IdleSweep(timeout);
    const accepted: Socket[] = [];
    const server = createTcpServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', () => {});
      accepted.push(socket);
      sweep.watch(socket);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const open = async (): Promise<Socket> => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      await waitFor('accepted', () => accepted.length > 0 && sweep.size > 0, 2000, 5);
      return socket;
    };
    const silent = await open();
    const talking = await open();
    const opened = performance.now();
    const talk = setInterval(() => talking.write('x'), 100);
    try {
      await once(silent, 'close');
      const after = performance.now() - opened;
      assert.ok(after >= timeout - 20 && after < timeout * 1.25 + 300, `closed after ${after.toFixed(0)} ms`);
      assert.equal(talking.destroyed, false, 'a connection that moves is kept');
      await waitFor('the closed one forgotten', () => sweep.size === 1, 2000, 10);
      // Taken over (as a WebSocket is, with its own liveness): no longer swept, however quiet.
      const count = accepted.length;
      const taken = await open();
      await waitFor('accepted', () => accepted.length > count, 2000, 5);
      sweep.forget(accepted[count] as Socket);
      await new Promise((resolve) => setTimeout(resolve, timeout * 2));
      assert.equal(taken.destroyed, false, 'forgotten: kept');
      assert.equal(sweep.size, 1);
      taken.destroy();
    } finally {
      clearInterval(talk);
      talking.destroy();
      sweep.stop();
      server.close();
    }
  });
});
