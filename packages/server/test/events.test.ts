import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, serverInfo, waitFor } from '@masterserver/testing';
import { ServerEvents } from '../src/http/events.js';
import { ServerListCache } from '../src/http/server-list.js';
import { type PlayerAuthenticator, silentLogger } from '../src/index.js';
import { MemoryRegistry } from '../src/registry/memory-registry.js';
import { toListedServer } from '../src/registry/registry.js';
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

describe('GET /v2/client/servers/events?… – a filtered live list', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs({ webRoot: null });
  });
  after(() => t.close());

  it('starts from the filtered list, the same bytes as GET with that filter', async () => {
    const a = await t.connect();
    const b = await t.connect();
    await a.register({ name: 'tdm-one', port: 44001, playlist: 'tdm' });
    await b.register({ name: 'ps-one', port: 44002, playlist: 'ps' });
    const stream = await SseClient.open(`${t.url}${EVENTS}?playlist=tdm&notEmpty=0`);
    try {
      assert.equal(stream.response.statusCode, 200);
      const first = await stream.next();
      assert.equal(first.event, 'servers');
      assert.equal(first.data, (await fetchRaw(`${t.url}/v2/client/servers?playlist=tdm`)).text);
      assert.deepEqual(
        (JSON.parse(first.data) as PublicServer[]).map((s) => s.name),
        ['tdm-one'],
      );
    } finally {
      stream.close();
      await a.close();
      await b.close();
    }
  });

  it('sends only the changes that concern its filter: a server that stops matching is a removal', async () => {
    const a = await t.connect();
    const b = await t.connect();
    await a.register({ name: 'mover', port: 44011, playlist: 'ctf', curPlayers: 1 });
    // Two more on the filter, so that one server's change is a delta (a change of most of the list sends all of it).
    const steady = [44013, 44014].map((port) =>
      toListedServer(`steady-${port}`, serverInfo({ name: `steady-${port}`, port, playlist: 'ctf' }), '192.0.2.1', 't'),
    );
    for (const server of steady) t.ms.registry.put(server);
    const stream = await SseClient.open(`${t.url}${EVENTS}?playlist=ctf`);
    const list = new Map<string, PublicServer>();
    try {
      const [full] = await streamUntil(stream, list, (l) => names(l).includes('mover'));
      // Another playlist's server: nothing for this stream, so the next event is the mover's change.
      await b.register({ name: 'elsewhere', port: 44012, playlist: 'aitdm' });
      await a.register({ name: 'mover', port: 44011, playlist: 'ctf', curPlayers: 5 });
      const changed = await stream.nextOf('delta');
      assert.equal(Number(changed.id), Number(full?.id) + 1);
      const delta = JSON.parse(changed.data) as Delta;
      assert.deepEqual(
        delta.upsert.map((s) => [s.name, s.curPlayers]),
        [['mover', 5]],
      );
      assert.deepEqual(delta.remove, []);
      // It leaves the filter: a removal. The other server joins it: an upsert.
      await a.register({ name: 'mover', port: 44011, playlist: 'aitdm', curPlayers: 5 });
      await b.register({ name: 'elsewhere', port: 44012, playlist: 'ctf' });
      await streamUntil(stream, list, (l) => names(l).includes('elsewhere') && !names(l).includes('mover'));
      assert.deepEqual(names(list), ['elsewhere', 'steady-44013', 'steady-44014']);
      // It closes: a removal too.
      await b.close();
      await streamUntil(stream, list, (l) => l.size === 2);
    } finally {
      stream.close();
      await a.close();
      await b.close();
      for (const server of steady) t.ms.registry.delete(server);
    }
  });

  it('streams of different filters each get their own events, numbered on their own', async () => {
    const a = await t.connect();
    await a.register({ name: 'on-rise', port: 44021, map: 'mp_rise' });
    const rise = await SseClient.open(`${t.url}${EVENTS}?map=mp_rise`);
    const eden = await SseClient.open(`${t.url}${EVENTS}?map=mp_eden`);
    const all = await SseClient.open(`${t.url}${EVENTS}`);
    try {
      const [riseFirst, edenFirst] = [await rise.next(), await eden.next()];
      await all.next();
      assert.equal(edenFirst?.data, '[]');
      await a.register({ name: 'on-rise', port: 44021, map: 'mp_eden' });
      // Each list is one server, so each change is most of it: each stream gets its whole new list.
      const left = await rise.nextOf('servers');
      assert.equal(Number(left.id), Number(riseFirst?.id) + 1);
      assert.equal(left.data, '[]');
      const joined = await eden.nextOf('servers');
      assert.equal(Number(joined.id), Number(edenFirst?.id) + 1);
      assert.deepEqual(
        (JSON.parse(joined.data) as Array<{ name: string; map: string }>).map((s) => [s.name, s.map]),
        [['on-rise', 'mp_eden']],
      );
      const everything = await all.nextOf('servers');
      assert.ok(everything.data.includes('"mp_eden"'));
    } finally {
      for (const stream of [rise, eden, all]) stream.close();
      await a.close();
    }
  });

  for (const [query, param] of [
    ['limit=10', 'limit'],
    ['offset=5', 'offset'],
    ['notFull=maybe', 'notFull'],
    ['q=a&q=b', 'q'],
    [`q=${'x'.repeat(10 * 1024)}`, 'q'],
  ] as const) {
    it(`?${query.length > 40 ? 'q=(10 KB)' : query} is 400 BAD_REQUEST naming ${param}, before any stream opens`, async () => {
      const res = await fetchRaw(`${t.url}${EVENTS}?${query}`);
      assert.equal(res.status, 400);
      const { error } = res.json as { error: { code: string; msg: string } };
      assert.equal(error.code, 'BAD_REQUEST');
      assert.ok(error.msg.startsWith(`${param}:`), error.msg);
    });
  }
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
      assert.deepEqual((await fetchRaw(`${t.url}/v2/client/config`)).json, { playerAuth: 'none', reachability: 'off' });
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
      assert.deepEqual((await fetchRaw(`${t.url}/v2/client/config`)).json, {
        playerAuth: 'bearer',
        reachability: 'off',
      });
    } finally {
      await t.close();
    }
  });
});
