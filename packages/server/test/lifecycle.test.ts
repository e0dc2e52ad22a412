import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import {
  delay,
  fetchRaw,
  HandshakeError,
  Opcode,
  postJson,
  RawWebSocket,
  TestGameServer,
  waitFor,
} from '@masterserver/testing';
import { startMs, TOKEN } from './helpers.js';

/** Resolves when an HTTP server of this process starts a request for `path` (its headers were read). */
function requestStarted(path: string): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (message: unknown): void => {
      if ((message as { request: IncomingMessage }).request.url !== path) return;
      diagnostics.unsubscribe('http.server.request.start', onStart);
      resolve();
    };
    diagnostics.subscribe('http.server.request.start', onStart);
  });
}

describe('registration TTL (docs/protocol.md#registration)', () => {
  it('a server not re-registered within the TTL is delisted, stays connected, and relists under the same id', async () => {
    const ttl = 300;
    const t = await startMs({ registrationTtl: ttl });
    try {
      const gs = await t.connect();
      const sentAt = performance.now();
      await gs.register({ name: 'ttl' });
      const [first] = await t.list();
      assert.equal(first?.name, 'ttl');
      await waitFor('delisting after the TTL', async () => (await t.list()).length === 0);
      assert.ok(performance.now() - sentAt >= ttl - 5, 'not before the TTL');
      assert.equal(gs.socket.isEnded, false, 'the connection stays open');
      assert.equal((await gs.register({ name: 'ttl' })).value.success, true);
      const [again] = await t.list();
      assert.equal(again?.id, first?.id, 'relisted under the same id');
    } finally {
      await t.close();
    }
  });

  it('re-registering within the TTL keeps the server listed', async () => {
    // A registration every eighth of the TTL, for two TTLs: without the refreshes it would be delisted one TTL
    // after the first.
    const ttl = 800;
    const t = await startMs({ registrationTtl: ttl });
    try {
      const gs = await t.connect();
      const started = performance.now();
      while (performance.now() - started < 2 * ttl) {
        assert.equal((await gs.register({ name: 'kept' })).value.success, true);
        assert.equal((await t.list()).length, 1, `still listed after ${Math.round(performance.now() - started)} ms`);
        await delay(ttl / 8);
      }
    } finally {
      await t.close();
    }
  });

  it('a connection that never registers is closed with 1008 after one TTL', async () => {
    const ttl = 300;
    const t = await startMs({ registrationTtl: ttl });
    try {
      // Taken before the upgrade: the connection's TTL cannot have started earlier.
      const started = performance.now();
      const ws = await RawWebSocket.connect(t.wsUrl);
      const close = await ws.closeFrame;
      assert.equal(close.code, 1008);
      assert.equal(close.reason, 'registration required');
      assert.ok(performance.now() - started >= ttl - 5, 'not before the TTL');
    } finally {
      await t.close();
    }
  });

  it('a connection delisted by the TTL and not coming back is closed with 1008 one TTL later', async () => {
    const ttl = 300;
    const t = await startMs({ registrationTtl: ttl });
    try {
      const gs = await t.connect();
      // Taken before the registration: its TTL, and the one after the delisting, cannot have started earlier.
      const sentAt = performance.now();
      await gs.register();
      await waitFor('delisting', async () => (await t.list()).length === 0);
      const close = await gs.socket.closeFrame;
      assert.deepEqual(close, { code: 1008, reason: 'registration required' });
      assert.ok(performance.now() - sentAt >= 2 * ttl - 5, 'a TTL to the delisting, and another to the close');
    } finally {
      await t.close();
    }
  });

  it('failed registrations do not keep an unlisted connection open: it is closed a TTL after it opened while it keeps failing', async () => {
    const ttl = 600;
    // Far below the failures that close a connection on their own: only the TTL can close this one.
    const t = await startMs({ registrationTtl: ttl, failedRegistrationLimit: { count: 1000, windowMs: 60_000 } });
    try {
      const openedAt = performance.now();
      const gs = await t.connect('wrong');
      let closed = false;
      const close = gs.socket.closeFrame.then((frame) => {
        closed = true;
        return frame;
      });
      // A failure every quarter TTL, for four TTLs: were the TTL restarted by each, the close would never come.
      let failures = 0;
      for (; failures < 16 && !closed; failures++) {
        const answer = await gs.register().catch(() => undefined);
        if (answer === undefined) break; // the close came instead of an answer
        assert.equal((answer.value.error as { type: number }).type, 1);
        await delay(ttl / 4);
      }
      assert.ok(failures < 16, 'still open after 16 failed registrations, four TTLs');
      assert.ok(failures >= 2, `${failures} failed registrations before the close`);
      assert.deepEqual(await close, { code: 1008, reason: 'registration required' });
      assert.ok(performance.now() - openedAt >= ttl - 5, 'not before the TTL');
    } finally {
      await t.close();
    }
  });
});

describe('supersede (docs/protocol.md#registration)', () => {
  it('a newer connection registering the same address delists and closes the older one with 4005', async () => {
    const t = await startMs();
    try {
      const old = await t.connect();
      await old.register({ name: 'old', port: 37020 });
      const newer = await t.connect();
      assert.equal((await newer.register({ name: 'new', port: 37020 })).value.success, true);
      const close = await old.socket.closeFrame;
      assert.equal(close.code, 4005);
      assert.equal(close.reason, 'superseded');
      const names = (await t.list()).map((s) => s.name);
      assert.deepEqual(names, ['new']);
    } finally {
      await t.close();
    }
  });

  it('another port on the same IP is another server', async () => {
    const t = await startMs();
    try {
      const a = await t.connect();
      const b = await t.connect();
      await a.register({ name: 'a', port: 37021 });
      await b.register({ name: 'b', port: 37022 });
      assert.equal((await t.list()).length, 2);
      assert.equal(a.socket.isEnded, false);
    } finally {
      await t.close();
    }
  });
});

describe('liveness (docs/protocol.md#liveness)', () => {
  it('the MS pings; a game server that answers stays connected', async () => {
    const t = await startMs({ pingInterval: 100, pongTimeout: 100 });
    try {
      const gs = await t.connect();
      await gs.register();
      // Every Ping is answered (autoPong). An unanswered one would be closed for a pong timeout after it, before
      // the Ping after next: four Pings and no Close show them answered.
      for (let pings = 0; pings < 4; ) {
        const frame = await gs.socket.nextFrame(5000);
        assert.notEqual(frame.opcode, Opcode.CLOSE, `closed: ${frame.payload.subarray(2).toString()}`);
        if (frame.opcode === Opcode.PING) pings++;
      }
      assert.equal(gs.socket.isEnded, false);
      assert.equal((await t.list()).length, 1);
    } finally {
      await t.close();
    }
  });

  it('no Pong: close 4008, delisted at once, TCP ended 1 s after the unanswered close', async () => {
    const closeTimeout = 1000;
    const t = await startMs({ pingInterval: 100, pongTimeout: 150, closeTimeout });
    try {
      const gs = await TestGameServer.connect(t.wsUrl, TOKEN);
      gs.socket.autoPong = false;
      await gs.register({ name: 'silent' });
      const close = await gs.socket.closeFrame;
      const closedAt = performance.now();
      assert.equal(close.code, 4008);
      assert.equal(close.reason, 'pong timeout');
      assert.equal((await t.list()).length, 0, 'delisted as soon as the close is sent');
      const ended = await gs.socket.ended;
      const after = ended.at - closedAt;
      assert.ok(
        after >= closeTimeout - 100 && after < closeTimeout + 500,
        `TCP ended ${after.toFixed(0)} ms after the close`,
      );
    } finally {
      await t.close();
    }
  });

  it('a Close from the game server delists at once, before the TCP connection ends', async () => {
    const t = await startMs();
    try {
      const gs = await t.connect();
      await gs.register({ name: 'leaving' });
      gs.socket.close(1000, 'bye');
      const reply = await gs.socket.closeFrame;
      assert.equal(reply.code, 1000);
      assert.equal(gs.socket.isEnded, false, 'TCP still open: the client has not ended its side');
      assert.equal((await t.list()).length, 0);
    } finally {
      await t.close();
    }
  });

  it('the game server ending TCP without a Close delists at once', async () => {
    const t = await startMs();
    try {
      const gs = await t.connect();
      await gs.register({ name: 'vanishing' });
      gs.socket.destroy();
      await waitFor('delisting', async () => (await t.list()).length === 0, 500);
    } finally {
      await t.close();
    }
  });

  it('shutdown closes every game server with 1001 and refuses new ones', async () => {
    const t = await startMs();
    const a = await t.connect();
    const b = await t.connect();
    await a.register({ port: 1 });
    await b.register({ port: 2 });
    const closing = t.ms.close();
    assert.equal((await a.socket.closeFrame).code, 1001);
    assert.equal((await b.socket.closeFrame).code, 1001);
    a.socket.destroy();
    b.socket.destroy();
    await closing;
    await assert.rejects(RawWebSocket.connect(t.wsUrl));
  });

  it('shutdown lets an HTTP request in flight finish: its body arrives after close() began, it is answered, and its connection closes', async () => {
    const keepAliveTimeout = 5000;
    const t = await startMs({ keepAliveTimeout });
    const inFlight = requestStarted('/v2/client/join');
    const { port } = new URL(t.url);
    const socket = netConnect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    const body = JSON.stringify({ serverId: 'no-such-server', username: 'late', clantag: '' });
    socket.write(
      `POST /v2/client/join HTTP/1.1\r\nHost: ms\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await inFlight;
    let closed = false;
    const closing = t.ms.close().then(() => {
      closed = true;
    });
    // With nothing in flight close() ends within milliseconds.
    await delay(100);
    assert.equal(closed, false, 'close() waits for the request');
    socket.write(body.slice(10));
    await waitFor('the answer', () => answer.includes('SERVER_NOT_FOUND'), 2000);
    assert.match(answer, /^HTTP\/1\.1 404 /);
    assert.match(answer, /\r\nConnection: close\r\n/i, 'the client is told not to keep the connection');
    const answeredAt = performance.now();
    await closing;
    assert.ok(
      performance.now() - answeredAt < keepAliveTimeout,
      'the shutdown does not wait for the keep-alive timeout',
    );
    socket.destroy();
  });

  it('shutdown answers a join waiting on its game server with 502 GS_GONE, not a dropped connection', async () => {
    const t = await startMs();
    const gs = await t.connect();
    await gs.register({ name: 'leaving' });
    const [server] = await t.list();
    const join = postJson(`${t.url}/v2/client/join`, { serverId: server?.id, username: 'u', clantag: '' });
    await gs.next(2000);
    const closing = t.ms.close();
    assert.equal((await gs.socket.closeFrame).code, 1001);
    gs.socket.destroy();
    const res = await join;
    assert.equal(res.status, 502);
    assert.equal((res.json as { error: { code: string } }).error.code, 'GS_GONE');
    await closing;
  });
});

describe('connection limits and the upgrade (docs/protocol.md#transport)', () => {
  it('beyond the per-IP limit an upgrade is refused with 429 before any WebSocket opens', async () => {
    const t = await startMs({ maxConnectionsPerIp: 2 });
    try {
      await t.connect();
      await t.connect();
      const refused = await RawWebSocket.connect(t.wsUrl).catch((error: unknown) => error);
      assert.ok(refused instanceof HandshakeError);
      assert.equal(refused.status, 429);
      assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, 'TOO_MANY_CONNECTIONS');
    } finally {
      await t.close();
    }
  });

  it('a closed connection frees its place', async () => {
    const t = await startMs({ maxConnectionsPerIp: 1 });
    try {
      const a = await t.connect();
      await a.close();
      await waitFor('a free place', () => t.ms.gateway.connectionCount === 0);
      await t.connect();
    } finally {
      await t.close();
    }
  });

  it('beyond the global limit an upgrade is refused with 503', async () => {
    const t = await startMs({ maxConnections: 1 });
    try {
      await t.connect();
      const refused = await RawWebSocket.connect(t.wsUrl).catch((error: unknown) => error);
      assert.ok(refused instanceof HandshakeError);
      assert.equal(refused.status, 503);
    } finally {
      await t.close();
    }
  });

  it('an upgrade on another path is answered 404 before any WebSocket opens', async () => {
    const t = await startMs();
    try {
      const refused = await RawWebSocket.connect(`${t.url.replace('http', 'ws')}/v2/server/other`).catch(
        (error: unknown) => error,
      );
      assert.ok(refused instanceof HandshakeError);
      assert.equal(refused.status, 404);
    } finally {
      await t.close();
    }
  });

  it('a plain GET of /v2/server/ws is answered 426 Upgrade Required', async () => {
    const t = await startMs();
    try {
      const res = await fetchRaw(`${t.url}/v2/server/ws`);
      assert.equal(res.status, 426);
      assert.equal(res.headers.upgrade, 'websocket');
      assert.deepEqual(res.json, { error: { code: 'UPGRADE_REQUIRED', msg: 'This endpoint speaks WebSocket only' } });
    } finally {
      await t.close();
    }
  });

  it('the query string does not matter to the WebSocket path', async () => {
    const t = await startMs();
    try {
      const ws = await RawWebSocket.connect(`${t.wsUrl}?v=2`);
      ws.destroy();
    } finally {
      await t.close();
    }
  });
});
