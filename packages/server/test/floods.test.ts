import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  delay,
  encodeFrame,
  fetchRaw,
  Opcode,
  postJson,
  RawWebSocket,
  registrationText,
  serverInfo,
  TestGameServer,
  waitFor,
} from '@masterserver/testing';
import { exchange, parseUpgraded, startTarget, type Target, tcp, upgradeHead } from './flood-helpers.js';
import { TOKEN } from './helpers.js';

/** Growth of the masterserver's resident memory that no attack here may cause (they would take far more unchecked). */
const MEMORY_MARGIN = 200 * 1024 * 1024;

/** The masterserver's checks after every attack: it serves, and its memory stayed bounded. */
async function stillServing(target: Target, baseline: number): Promise<void> {
  await target.assertServing();
  const rss = target.rss();
  assert.ok(rss < baseline + MEMORY_MARGIN, `resident memory ${rss} stays under ${baseline} + ${MEMORY_MARGIN}`);
}

/** Resolves when `socket` closes, or `false` after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('floods – the masterserver keeps serving a well-behaved game server', () => {
  let target: Target;
  let url: string;
  let baseline: number;
  before(async () => {
    target = await startTarget([
      '--registration-rate',
      'off',
      '--registration-ttl',
      '3s',
      '--headers-timeout',
      '2s',
      '--request-timeout',
      '3s',
      '--idle-timeout',
      '7s',
      // Longer than the idle timeout, so that only the idle timeout can end a connection stuck with answers.
      '--keep-alive-timeout',
      '20s',
      '--max-send-buffer',
      '65536',
      '--max-fragments',
      '16',
    ]);
    url = target.serve.url;
    baseline = target.rss();
  });
  after(() => target.stop());

  it('a request with 2,000 headers is answered 431 HEADERS_TOO_LARGE, on the API and at the upgrade', async () => {
    const many = 'a: 1\r\n'.repeat(2000);
    // 2,000 headers that also pass --max-header-size, which Node.js's parser checks before the count.
    const long = Array.from({ length: 2000 }, (_, i) => `h${i}:1\r\n`).join('');
    for (const request of [
      `GET /v2/client/servers HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}\r\n`,
      `${upgradeHead(many)}\r\n`,
      `GET /v2/client/servers HTTP/1.1\r\nHost: 127.0.0.1\r\n${long}\r\n`,
    ]) {
      const response = await exchange(url, request, '127.0.0.2');
      assert.match(response, /^HTTP\/1\.1 431 /);
      assert.match(response, /\r\n\r\n\{"error":\{"code":"HEADERS_TOO_LARGE"/);
    }
    // And bytes that are not HTTP at all.
    const garbage = await exchange(url, 'HELLO THERE\r\n\r\n', '127.0.0.2');
    assert.match(garbage, /^HTTP\/1\.1 400 [\s\S]*\r\n\r\n\{"error":\{"code":"BAD_REQUEST"/);
    await stillServing(target, baseline);
  });

  it('a slowloris upgrade that dribbles its headers, and a connection that sends nothing, are answered 408 and cut off at the headers timeout', async () => {
    const dribblers = await Promise.all(Array.from({ length: 20 }, () => tcp(url, '127.0.0.3')));
    const silent = await Promise.all(Array.from({ length: 20 }, () => tcp(url, '127.0.0.3')));
    const all = [...dribblers, ...silent];
    const answers = all.map((socket) => {
      const chunks: Buffer[] = [];
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      return chunks;
    });
    // Ten bytes a second: the request would take minutes to arrive.
    const request = `${upgradeHead()}X-Padding: ${'a'.repeat(1000)}\r\n\r\n`;
    let at = 0;
    const drip = setInterval(() => {
      for (const socket of dribblers) if (!socket.destroyed) socket.write(request.charAt(at));
      at++;
    }, 100);
    try {
      await target.assertServing();
      const closed = await Promise.all(all.map((socket) => closedWithin(socket, 20_000)));
      assert.deepEqual(
        closed,
        new Array(all.length).fill(true),
        'every slow connection was closed by the masterserver',
      );
      assert.ok(at < request.length, 'while its request was still incomplete');
      for (const chunks of answers) {
        assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 408 [\s\S]*"code":"REQUEST_TIMEOUT"/);
      }
    } finally {
      clearInterval(drip);
      for (const socket of all) socket.destroy();
    }
    await stillServing(target, baseline);
  });

  it('10,000 connection attempts from one address are refused beyond the per-IP limit, and its sockets that never register are closed with 1008', async () => {
    const statuses = new Map<number, number>();
    const closes: Array<{ code: number; reason: string } | undefined> = [];
    let started = 0;
    let flooding = true;
    // The masterserver's own count of game-server sockets (the well-behaved one included), sampled during the flood.
    let mostOpen = 0;
    const sampling = (async () => {
      while (flooding) {
        const metrics = await fetchRaw(`${url}/metrics`);
        const open = Number(/^masterserver_gs_connections (\d+)/m.exec(metrics.text)?.[1]);
        mostOpen = Math.max(mostOpen, open);
        await delay(100);
      }
    })();
    const attempt = async (): Promise<void> => {
      const socket = await tcp(url, '127.0.0.4');
      socket.on('error', () => {});
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const closed = once(socket, 'close');
      socket.write(`${upgradeHead()}\r\n`);
      await closed;
      const { status, closes: frames } = parseUpgraded(Buffer.concat(chunks));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 101) closes.push(frames[0]);
    };
    const worker = async (): Promise<void> => {
      while (started < 10_000) {
        started++;
        await attempt();
      }
    };
    await Promise.all(Array.from({ length: 400 }, worker));
    flooding = false;
    await sampling;
    const accepted = statuses.get(101) ?? 0;
    const refused = statuses.get(429) ?? 0;
    assert.equal(accepted + refused, 10_000, `only 101 and 429: ${JSON.stringify([...statuses])}`);
    assert.ok(accepted >= 64, `the first 64 were accepted (${accepted})`);
    assert.ok(mostOpen >= 2 && mostOpen <= 65, `never more than 64 of its sockets open at once (${mostOpen} in all)`);
    for (const close of closes) assert.deepEqual(close, { code: 1008, reason: 'registration required' });
    await stillServing(target, baseline);
  });

  it('1,000 joins at once to one game server: 64 reach it, the others are answered 503 GS_BUSY at once', async () => {
    const busy = await TestGameServer.connect(target.serve.wsUrl, TOKEN, { localAddress: '127.0.0.6' });
    const info = serverInfo({ name: 'busy', port: 27016 });
    busy.socket.sendText(registrationText(TOKEN, info, 1));
    const keepListed = setInterval(() => busy.socket.sendText(registrationText(TOKEN, info, 1)), 1000);
    try {
      const listed = await waitFor('the busy server is listed', async () => {
        const list = await target.list();
        return list.find((s) => s.name === 'busy');
      });
      // 1,000 players, 50 to an address (the HTTP connections of one address are capped at 64).
      const joins = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          postJson(
            `${url}/v2/client/join`,
            { serverId: listed.id, username: 'Flood', clantag: '' },
            {},
            { localAddress: `127.0.1.${1 + (i % 20)}` },
          ),
        ),
      );
      const busyAnswers = joins.filter((r) => r.status === 503);
      assert.equal(busyAnswers.length, 936, 'all but 64 are answered 503');
      for (const r of busyAnswers) assert.equal((r.json as { error: { code: string } }).error.code, 'GS_BUSY');
      assert.equal(joins.filter((r) => r.status === 504).length, 64, 'the 64 that reached it time out');
      let requests = 0;
      for (;;) {
        const frame = await busy.socket.nextFrame(500).catch(() => undefined);
        if (frame === undefined) break;
        if (frame.opcode === Opcode.TEXT && frame.payload.toString().startsWith('{"metadata":{"type":2,')) requests++;
      }
      assert.equal(requests, 64, 'the game server was asked 64 times');
    } finally {
      clearInterval(keepListed);
      busy.socket.destroy();
    }
    await stillServing(target, baseline);
  });

  it('a join body over 8 KiB is answered 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await postJson(`${url}/v2/client/join`, { serverId: 'x', username: 'a'.repeat(9000) });
    assert.equal(response.status, 413);
    assert.equal((response.json as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    await stillServing(target, baseline);
  });

  it('a game server that never reads is terminated and delisted once its send buffer passes the limit', async () => {
    const socket = await tcp(url, '127.0.0.7');
    socket.on('error', () => {});
    const handshake = once(socket, 'data');
    socket.write(`${upgradeHead()}\r\n`);
    assert.match(String((await handshake)[0]), /^HTTP\/1\.1 101 /);
    socket.pause();
    let isClosed = false;
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        isClosed = true;
        resolve();
      }),
    );
    const registration = registrationText(TOKEN, serverInfo({ name: 'deaf', port: 27017 }), 1);
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => encodeFrame(Opcode.TEXT, registration)));
    let sent = 0;
    // Every registration is answered; the answers pile up at the masterserver.
    while (!isClosed && sent < 300_000) {
      sent += 1000;
      if (!socket.write(batch)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
    assert.ok(isClosed, `the masterserver ended the connection (after ${sent} registrations)`);
    await waitFor(
      'the deaf server is delisted',
      async () => !(await target.list()).some((s) => s.name === 'deaf'),
      10_000,
    );
    await waitFor(
      'the log lines of the ended connection',
      () =>
        /"ip":"127\.0\.0\.7"[^\n]*"game server does not read: connection ended"/.test(target.serve.stdout()) &&
        /"ip":"127\.0\.0\.7"[^\n]*"code":1006[^\n]*game server disconnected/.test(target.serve.stdout()),
      5000,
    );
    await stillServing(target, baseline);
  });

  it('an HTTP client that never reads its responses is disconnected at the idle timeout, while a live-list stream that reads is kept by its heartbeats', async () => {
    // Thirty servers with long descriptions make a list of about 33 KB.
    const servers = await Promise.all(
      Array.from({ length: 30 }, () =>
        TestGameServer.connect(target.serve.wsUrl, TOKEN, { localAddress: '127.0.0.10' }),
      ),
    );
    const register = (): void =>
      servers.forEach((gs, i) => {
        gs.socket.sendText(
          registrationText(TOKEN, serverInfo({ name: `long ${i}`, port: 28000 + i, desc: 'd'.repeat(1000) }), 1),
        );
      });
    register();
    const keepListed = setInterval(register, 1000);
    await waitFor('the long servers are listed', async () => (await target.list()).length >= 31);
    const stream = await tcp(url, '127.0.0.11');
    let events = '';
    stream.on('data', (chunk: Buffer) => {
      events += chunk.toString();
    });
    stream.write('GET /v2/client/servers/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const socket = await tcp(url, '127.0.0.8');
    socket.on('error', () => {});
    socket.pause();
    // 300 requests in one write of 13 KB, read at once: 10 MB of answers wait for a client that does not read.
    const request = 'GET /v2/client/servers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    socket.write(request.repeat(300));
    // The client keeps asking and never reads: writing fails once the masterserver has dropped it.
    const ask = setInterval(() => socket.write(request), 500);
    try {
      assert.ok(await closedWithin(socket, 30_000), 'the masterserver dropped the connection');
      // Three heartbeats take longer than the idle timeout: the stream was never idle.
      await waitFor('three heartbeats', () => events.split(': keep-alive').length > 3 || stream.destroyed, 20_000, 100);
      assert.ok(!stream.destroyed, 'the live-list stream is still open');
    } finally {
      clearInterval(ask);
      clearInterval(keepListed);
      socket.destroy();
      stream.destroy();
      for (const gs of servers) gs.socket.destroy();
    }
    await stillServing(target, baseline);
  });

  it('a message in more fragments than --max-fragments is closed with 1008', async () => {
    const gs = await RawWebSocket.connect(target.serve.wsUrl, { localAddress: '127.0.0.9' });
    gs.sendFrame(Opcode.TEXT, '{', { fin: false });
    for (let i = 0; i < 20; i++) gs.sendFrame(Opcode.CONTINUATION, ' ', { fin: false });
    assert.deepEqual(await gs.closeFrame, { code: 1008, reason: 'too many message fragments' });
    gs.destroy();
    await stillServing(target, baseline);
  });

  it('an offer of permessage-deflate is declined', async () => {
    const socket = await tcp(url, '127.0.0.9');
    socket.on('error', () => {});
    const head = once(socket, 'data');
    socket.write(`${upgradeHead('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n')}\r\n`);
    const response = String((await head)[0]);
    socket.destroy();
    assert.match(response, /^HTTP\/1\.1 101 /);
    assert.doesNotMatch(response, /sec-websocket-extensions/i);
  });
});

describe('floods – under the default registration rate limit', () => {
  let target: Target;
  let baseline: number;
  before(async () => {
    target = await startTarget(['--max-buffered-chunks', '16'], 2000);
    baseline = target.rss();
  });
  after(() => target.stop());

  it('a game server sending 1,000 registrations a second is refused with error 3 and closed with 1008', async () => {
    const gs = await RawWebSocket.connect(target.serve.wsUrl, { localAddress: '127.0.0.5' });
    let sent = 0;
    const flood = setInterval(() => {
      for (let i = 0; i < 100 && sent < 1000; i++) {
        gs.sendText(registrationText(TOKEN, serverInfo({ name: 'flood', port: 27018 }), ++sent));
      }
    }, 100);
    const answers: string[] = [];
    try {
      for (;;) {
        const frame = await gs.nextFrame(10_000);
        if (frame.opcode === Opcode.CLOSE) break;
        if (frame.opcode === Opcode.TEXT) answers.push(frame.payload.toString());
      }
    } finally {
      clearInterval(flood);
    }
    assert.equal(answers.filter((a) => a.includes('"success":true')).length, 10, 'the first 10 are listed');
    assert.equal(answers.filter((a) => a.includes('"type":3')).length, 5, 'then 5 are refused with error 3');
    assert.deepEqual(await gs.closeFrame, { code: 1008, reason: 'too many failed registrations' });
    gs.destroy();
    await stillServing(target, baseline);
  });

  it('a message dribbled in more chunks than --max-buffered-chunks is closed with 1008', async () => {
    const socket = await tcp(target.serve.url, '127.0.0.12');
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(`${upgradeHead()}\r\n`);
    await waitFor('the handshake', () => Buffer.concat(received).includes('\r\n\r\n'));
    // One frame of 1000 bytes, its payload sent a byte at a time: each byte is read on its own.
    const frame = encodeFrame(Opcode.TEXT, ' '.repeat(1000));
    socket.write(frame.subarray(0, 8));
    for (let i = 8; i < 40 && !socket.destroyed; i++) {
      socket.write(frame.subarray(i, i + 1));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await waitFor('the close frame', () => parseUpgraded(Buffer.concat(received)).closes[0], 5000);
    assert.deepEqual(parseUpgraded(Buffer.concat(received)).closes[0], {
      code: 1008,
      reason: 'too many message fragments',
    });
    socket.destroy();
    await stillServing(target, baseline);
  });
});
