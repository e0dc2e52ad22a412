import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, waitFor } from '@masterserver/testing';
import { ServerEvents } from '../src/http/events.js';
import { ServerListCache } from '../src/http/server-list.js';
import { MemoryRegistry, type PlayerAuthenticator, silentLogger } from '../src/index.js';
import { startMs, type TestMs } from './helpers.js';
import { SseClient, type SseEvent } from './sse-client.js';

interface PublicServer {
  id: string;
  name: string;
  curPlayers: number;
}
interface Delta {
  upsert: PublicServer[];
  remove: string[];
}

const EVENTS = '/v2/client/servers/events';

/** Reads list events until `check` holds for the list they build; returns that list and the events read. */
async function streamUntil(
  stream: SseClient,
  list: Map<string, PublicServer>,
  check: (list: Map<string, PublicServer>) => boolean,
  timeoutMs = 2000,
): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  const deadline = performance.now() + timeoutMs;
  while (!check(list)) {
    const event = await stream.next(Math.max(1, deadline - performance.now()));
    seen.push(event);
    if (event.event === 'servers') {
      list.clear();
      for (const server of JSON.parse(event.data) as PublicServer[]) list.set(server.id, server);
    } else if (event.event === 'delta') {
      const delta = JSON.parse(event.data) as Delta;
      for (const id of delta.remove) list.delete(id);
      for (const server of delta.upsert) list.set(server.id, server);
    }
  }
  return seen;
}

const names = (list: Map<string, PublicServer>) => [...list.values()].map((s) => s.name).sort();

describe('GET /v2/client/servers/events – the live list', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs({ webRoot: null });
    const gs = await t.connect();
    await gs.register({ name: 'first', port: 41001, curPlayers: 2 });
  });
  after(() => t.close());

  it('opens as an uncached text/event-stream and sends the whole list at once, the same bytes as GET', async () => {
    const stream = await SseClient.open(`${t.url}${EVENTS}`);
    try {
      assert.equal(stream.response.statusCode, 200);
      assert.equal(stream.response.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(stream.response.headers['cache-control'], 'no-store');
      assert.equal(stream.response.headers['x-accel-buffering'], 'no');
      const first = await stream.next();
      assert.equal(first.event, 'servers');
      assert.equal(first.retry, 2000);
      assert.match(String(first.id), /^\d+$/);
      assert.equal(first.data, (await fetchRaw(`${t.url}/v2/client/servers`)).text);
    } finally {
      stream.close();
    }
  });

  it('a server registered later appears within 2 s; one that closes disappears within 2 s', async () => {
    const stream = await SseClient.open(`${t.url}${EVENTS}`);
    const list = new Map<string, PublicServer>();
    try {
      await streamUntil(stream, list, (l) => l.size === 1);
      const gs = await t.connect();
      const started = performance.now();
      await gs.register({ name: 'late', port: 41002 });
      const events = await streamUntil(stream, list, (l) => names(l).includes('late'));
      assert.ok(performance.now() - started < 2000);
      assert.deepEqual(
        events.map((e) => e.event),
        ['delta'],
      );
      const removedAt = performance.now();
      await gs.close();
      await streamUntil(stream, list, (l) => !names(l).includes('late'));
      assert.ok(performance.now() - removedAt < 2000);
      assert.deepEqual(names(list), ['first']);
    } finally {
      stream.close();
    }
  });

  it('a change of player count arrives as a delta that replaces that server only, numbered one more', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'counting', port: 41003, curPlayers: 1 });
    const stream = await SseClient.open(`${t.url}${EVENTS}`);
    const list = new Map<string, PublicServer>();
    try {
      const [full] = await streamUntil(stream, list, (l) => names(l).includes('counting'));
      await gs.register({ name: 'counting', port: 41003, curPlayers: 9 });
      const delta = await stream.nextOf('delta');
      assert.equal(Number(delta.id), Number(full?.id) + 1);
      const body = JSON.parse(delta.data) as Delta;
      assert.deepEqual(
        body.upsert.map((s) => [s.name, s.curPlayers]),
        [['counting', 9]],
      );
      assert.deepEqual(body.remove, []);
    } finally {
      stream.close();
      await gs.close();
    }
  });

  it('a burst of registrations is coalesced into a few events', async () => {
    const stream = await SseClient.open(`${t.url}${EVENTS}`);
    const list = new Map<string, PublicServer>();
    const burst = [];
    try {
      await streamUntil(stream, list, (l) => l.size >= 1);
      for (let i = 0; i < 20; i++) burst.push(await t.connect());
      await Promise.all(burst.map((gs, i) => gs.register({ name: `burst-${i}`, port: 42000 + i })));
      const events = await streamUntil(
        stream,
        list,
        (l) => names(l).filter((n) => n.startsWith('burst-')).length === 20,
      );
      assert.ok(events.length <= 3, `${events.length} events for 20 registrations`);
    } finally {
      stream.close();
      await Promise.all(burst.map((gs) => gs.close()));
    }
  });

  it('the history samples arrive as sample events', async () => {
    const sampled = await startMs({ webRoot: null, statsInterval: 100 });
    const stream = await SseClient.open(`${sampled.url}${EVENTS}`);
    try {
      const sample = JSON.parse((await stream.nextOf('sample', 2000)).data) as Record<string, number>;
      assert.deepEqual(Object.keys(sample), ['t', 'players', 'servers']);
      assert.ok(Math.abs((sample.t ?? 0) - Date.now()) < 5000);
    } finally {
      stream.close();
      await sampled.close();
    }
  });

  it('HEAD answers the headers and ends', async () => {
    const res = await fetchRaw(`${t.url}${EVENTS}`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  });
});

describe('live-list streams: limits and shutdown', () => {
  it('beyond maxEventStreams a stream is refused with 503 STREAM_LIMIT; a closed one frees its place', async () => {
    const t = await startMs({ webRoot: null, maxEventStreams: 2 });
    const streams = [await SseClient.open(`${t.url}${EVENTS}`), await SseClient.open(`${t.url}${EVENTS}`)];
    try {
      const refused = await fetchRaw(`${t.url}${EVENTS}`);
      assert.equal(refused.status, 503);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'STREAM_LIMIT');
      assert.equal(refused.headers['retry-after'], '10');
      streams[0]?.close();
      const third = await waitFor('a free place', async () => {
        const stream = await SseClient.open(`${t.url}${EVENTS}`);
        if (stream.response.statusCode === 200) return stream;
        stream.close();
        return undefined;
      });
      streams.push(third);
    } finally {
      for (const stream of streams) stream.close();
      await t.close();
    }
  });

  it('close() ends open streams, so that graceful shutdown is not held up by them', async () => {
    const t = await startMs({ webRoot: null });
    const streams = [await SseClient.open(`${t.url}${EVENTS}`), await SseClient.open(`${t.url}${EVENTS}`)];
    await streams[0]?.next();
    const started = performance.now();
    await t.close();
    const took = performance.now() - started;
    for (const stream of streams) await stream.untilEnded(1000);
    assert.ok(took < 1000, `close took ${Math.round(took)} ms`);
  });
});

describe('ServerEvents on its own', () => {
  it('writes a keep-alive comment every heartbeat, so that proxies keep the stream open', async () => {
    const events = new ServerEvents(new ServerListCache(new MemoryRegistry()), {
      maxStreams: 0,
      heartbeatMs: 40,
      isShuttingDown: () => false,
      logger: silentLogger,
    });
    const server = createServer(events.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const stream = await SseClient.open(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    try {
      assert.equal((await stream.next()).data, '[]');
      await waitFor('two keep-alive comments', () => stream.comments.length >= 2, 1000);
      assert.deepEqual(stream.comments.slice(0, 2), ['keep-alive', 'keep-alive']);
      assert.equal(events.streamCount, 1);
    } finally {
      events.close();
      await stream.untilEnded(1000);
      assert.equal(events.streamCount, 0);
      server.close();
    }
  });
});

describe('GET /v2/client/stats/history', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs({ webRoot: null, statsInterval: 50 });
  });
  after(() => t.close());

  it('answers {intervalMs, windowMs, samples: [{t, players, servers}]}, oldest first, counting the listed servers', async () => {
    const a = await t.connect();
    const b = await t.connect();
    await a.register({ name: 'a', port: 43001, curPlayers: 3 });
    await b.register({ name: 'b', port: 43002, curPlayers: 4 });
    const history = await waitFor('a sample with both servers', async () => {
      const body = (await fetchRaw(`${t.url}/v2/client/stats/history`)).json as {
        intervalMs: number;
        windowMs: number;
        samples: Array<{ t: number; players: number; servers: number }>;
      };
      return body.samples.at(-1)?.servers === 2 ? body : undefined;
    });
    assert.equal(history.intervalMs, 50);
    assert.equal(history.windowMs, 3_600_000);
    assert.deepEqual(history.samples.at(-1)?.players, 7);
    for (const sample of history.samples) assert.deepEqual(Object.keys(sample), ['t', 'players', 'servers']);
    const times = history.samples.map((s) => s.t);
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
    );
  });

  it('sends an ETag and compresses when asked', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/stats/history`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers.etag), /^W\/".+"$/);
    assert.ok(res.json !== undefined);
  });
});

describe('GET /v2/client/config', () => {
  it('tells the page that players name themselves (--player-auth none)', async () => {
    const t = await startMs({ webRoot: null });
    try {
      assert.deepEqual((await fetchRaw(`${t.url}/v2/client/config`)).json, { playerAuth: 'none' });
    } finally {
      await t.close();
    }
  });

  it('tells the page that joins need a bearer token (--player-auth jwt)', async () => {
    const playerAuth: PlayerAuthenticator = {
      authenticate: async () => ({ ok: false, reason: 'missing', message: 'no' }),
    };
    const t = await startMs({ webRoot: null, playerAuth });
    try {
      assert.deepEqual((await fetchRaw(`${t.url}/v2/client/config`)).json, { playerAuth: 'bearer' });
    } finally {
      await t.close();
    }
  });
});
