import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, type TestResponse } from '@masterserver/testing';
import { FilteredLists } from '../src/http/filtered-lists.js';
import { ListIndex } from '../src/http/list-index.js';
import { ListQueryParser, matchesFilter, parseListQuery } from '../src/http/list-query.js';
import { ServerListCache } from '../src/http/server-list.js';
import type { ListedServer } from '../src/index.js';
import { MemoryRegistry } from '../src/registry/memory-registry.js';
import { toListedServer } from '../src/registry/registry.js';
import { startMs, type TestMs } from './helpers.js';

interface Listed {
  id: string;
  name: string;
}

/** A listing with defaults; `port` also makes its id (`s<port>`). */
function listing(
  fields: Partial<{
    name: string;
    desc: string;
    map: string;
    playlist: string;
    curPlayers: number;
    maxPlayers: number;
    gameState: number;
    password: string;
    reachable: boolean | null;
  }> & { port: number },
): ListedServer {
  const info = {
    name: `server ${fields.port}`,
    desc: '',
    map: 'mp_glitch',
    playlist: 'aitdm',
    curPlayers: 1,
    maxPlayers: 16,
    gameState: 1,
    ...fields,
  };
  return toListedServer(`s${fields.port}`, info, '192.0.2.1', 't', fields.reachable ?? null);
}

const SERVERS = [
  listing({ port: 1, name: 'Alpha', map: 'mp_glitch', playlist: 'aitdm', curPlayers: 16, maxPlayers: 16 }),
  listing({ port: 2, name: 'Bravo', map: 'mp_rise', playlist: 'tdm', curPlayers: 12, reachable: true }),
  listing({ port: 3, name: 'Charlie Über', map: 'mp_glitch', playlist: 'tdm', curPlayers: 8, password: 'pw' }),
  listing({ port: 4, name: 'Delta', desc: 'Casual ÜBERGANG nights', map: 'mp_eden', playlist: 'ps', curPlayers: 4 }),
  listing({ port: 5, name: 'Echo', map: 'mp_glitch', playlist: 'aitdm', curPlayers: 0, gameState: 0 }),
  listing({ port: 6, name: 'Foxtrot', map: 'mp_rise', playlist: 'fd_easy', curPlayers: 0, reachable: false }),
  listing({ port: 7, name: 'Golf', map: 'mp_eden', playlist: 'aitdm', curPlayers: 3, gameState: 2, reachable: true }),
];

const names = (res: TestResponse): string[] => (res.json as Listed[]).map((s) => s.name);
const errorOf = (res: TestResponse): { code: string; msg: string } =>
  (res.json as { error: { code: string; msg: string } }).error;

describe('GET /v2/client/servers?… – filters and paging', () => {
  let t: TestMs;
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetchRaw(`${t.url}/v2/client/servers${query}`, { headers });
  before(async () => {
    t = await startMs({ webRoot: null });
    for (const server of SERVERS) t.ms.registry.put(server);
  });
  after(() => t.close());

  const cases: Array<[string, string[]]> = [
    ['?map=mp_glitch', ['Alpha', 'Charlie Über', 'Echo']],
    ['?map=mp_eden&map=mp_rise', ['Bravo', 'Delta', 'Golf', 'Foxtrot']],
    ['?playlist=tdm', ['Bravo', 'Charlie Über']],
    ['?playlist=aitdm&playlist=fd_easy', ['Alpha', 'Golf', 'Echo', 'Foxtrot']],
    ['?gameState=0', ['Echo']],
    ['?gameState=2&gameState=0', ['Golf', 'Echo']],
    ['?notFull=1', ['Bravo', 'Charlie Über', 'Delta', 'Golf', 'Echo', 'Foxtrot']],
    ['?notEmpty=true', ['Alpha', 'Bravo', 'Charlie Über', 'Delta', 'Golf']],
    ['?noPassword=1', ['Alpha', 'Bravo', 'Delta', 'Golf', 'Echo', 'Foxtrot']],
    ['?reachable=1', ['Bravo', 'Golf']],
    ['?q=über', ['Charlie Über', 'Delta']],
    ['?q=%C3%9CBER', ['Charlie Über', 'Delta']],
    ['?q=ALPH', ['Alpha']],
    ['?map=mp_glitch&notFull=1&notEmpty=1', ['Charlie Über']],
    ['?map=mp_glitch&playlist=tdm&noPassword=1', []],
    ['?map=mp_nowhere', []],
    ['?notFull=0&notEmpty=false', ['Alpha', 'Bravo', 'Charlie Über', 'Delta', 'Golf', 'Echo', 'Foxtrot']],
  ];
  for (const [query, expected] of cases) {
    it(`${query} keeps ${expected.length === 0 ? 'nothing' : expected.join(', ')}, in list order, and counts them`, async () => {
      const res = await get(query);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(names(res), expected);
      assert.equal(res.headers['x-total-count'], String(expected.length));
    });
  }

  it('every answer carries X-Total-Count: the whole list, its 304, and a filtered 304', async () => {
    const whole = await get('');
    assert.equal(whole.headers['x-total-count'], String(SERVERS.length));
    const again = await get('', { 'if-none-match': whole.headers.etag as string });
    assert.equal(again.status, 304);
    assert.equal(again.headers['x-total-count'], String(SERVERS.length));
    const some = await get('?map=mp_rise');
    const someAgain = await get('?map=mp_rise', { 'if-none-match': some.headers.etag as string });
    assert.equal(someAgain.status, 304);
    assert.equal(someAgain.headers['x-total-count'], '2');
    assert.equal(someAgain.raw.length, 0);
  });

  it('limit and offset page the result after its order; X-Total-Count counts before paging; past the end is []', async () => {
    const page1 = await get('?notFull=1&limit=2');
    assert.deepEqual(names(page1), ['Bravo', 'Charlie Über']);
    assert.equal(page1.headers['x-total-count'], '6');
    const page2 = await get('?notFull=1&limit=2&offset=2');
    assert.deepEqual(names(page2), ['Delta', 'Golf']);
    const last = await get('?notFull=1&limit=1000&offset=5');
    assert.deepEqual(names(last), ['Foxtrot']);
    const past = await get('?notFull=1&limit=10&offset=6');
    assert.equal(past.text, '[]');
    assert.equal(past.headers['x-total-count'], '6');
    const offsetOnly = await get('?offset=5');
    assert.deepEqual(names(offsetOnly), ['Echo', 'Foxtrot']);
    assert.equal(offsetOnly.headers['x-total-count'], String(SERVERS.length));
  });

  it('a filtered answer has its own ETag, the same for every spelling of the query, and a 304', async () => {
    const a = await get('?map=mp_rise&map=mp_eden&notFull=1&limit=3');
    const b = await get('?limit=3&notFull=true&map=mp_eden&map=mp_rise&map=mp_eden&unknown=x');
    const whole = await get('');
    const other = await get('?map=mp_rise&map=mp_eden&notFull=1&limit=2');
    assert.match(a.headers.etag as string, /^W\/".+"$/);
    assert.equal(a.headers.etag, b.headers.etag);
    assert.equal(a.text, b.text);
    assert.notEqual(a.headers.etag, whole.headers.etag);
    assert.notEqual(a.headers.etag, other.headers.etag);
    const notModified = await get('?notFull=1&map=mp_eden&map=mp_rise&limit=3', {
      'if-none-match': a.headers.etag as string,
    });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, a.headers.etag);
  });

  it('unknown parameters are ignored: the answer is the whole list, with its ETag', async () => {
    const whole = await get('');
    const ignored = await get('?sort=name&MAP=mp_rise&notfull=1');
    assert.equal(ignored.text, whole.text);
    assert.equal(ignored.headers.etag, whole.headers.etag);
  });

  for (const [accept, encoding] of [
    ['gzip', 'gzip'],
    ['br', 'br'],
  ] as const) {
    it(`a filtered answer is compressed like the whole list (${accept})`, async () => {
      const plain = await get('?playlist=aitdm');
      const res = await get('?playlist=aitdm', { 'accept-encoding': accept });
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(res.headers.vary, 'accept-encoding');
      assert.equal(res.text, plain.text);
      assert.equal(res.headers.etag, plain.headers.etag);
      assert.equal(Number(res.headers['content-length']), res.raw.length);
    });
  }

  it('a change of the list is in the next filtered answer; an unchanged page whose total changed gets a new ETag', async () => {
    const before = await get('?map=mp_eden&limit=1');
    assert.deepEqual(names(before), ['Delta']);
    const hotel = listing({ port: 8, name: 'Hotel', map: 'mp_eden', curPlayers: 1 });
    t.ms.registry.put(hotel);
    try {
      const after = await get('?map=mp_eden&limit=1', { 'if-none-match': before.headers.etag as string });
      assert.equal(after.status, 200);
      assert.equal(after.text, before.text);
      assert.equal(after.headers['x-total-count'], '3');
      assert.notEqual(after.headers.etag, before.headers.etag);
    } finally {
      t.ms.registry.delete(hotel);
    }
    const gone = await get('?map=mp_eden');
    assert.deepEqual(names(gone), ['Delta', 'Golf']);
  });

  it('HEAD answers the headers of the filtered answer without its body', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers?map=mp_rise`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
    assert.equal(res.headers['x-total-count'], '2');
  });
});

describe('GET /v2/client/servers?… – bad queries', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs({ webRoot: null });
    for (const server of SERVERS) t.ms.registry.put(server);
  });
  after(() => t.close());

  const bad: Array<[string, string]> = [
    ['map=', 'map'],
    [`map=${'m'.repeat(65)}`, 'map'],
    ['playlist=', 'playlist'],
    [`playlist=${'p'.repeat(65)}`, 'playlist'],
    ['gameState=', 'gameState'],
    ['gameState=x', 'gameState'],
    ['gameState=1.5', 'gameState'],
    ['gameState=1e3', 'gameState'],
    ['gameState=2147483648', 'gameState'],
    ['gameState=-2147483649', 'gameState'],
    ['gameState=%2B1', 'gameState'],
    ['notFull=', 'notFull'],
    ['notFull=yes', 'notFull'],
    ['notFull=TRUE', 'notFull'],
    ['notEmpty=2', 'notEmpty'],
    ['noPassword=on', 'noPassword'],
    ['reachable=null', 'reachable'],
    [`q=${'a'.repeat(65)}`, 'q'],
    [`q=${'a'.repeat(10 * 1024)}`, 'q'],
    [`q=${'😀'.repeat(65)}`, 'q'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1.0', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=x', 'offset'],
    ['offset=', 'offset'],
    ['offset=1e3', 'offset'],
    [`offset=${'9'.repeat(16)}`, 'offset'],
    ['notFull=1&notFull=1', 'notFull'],
    ['notEmpty=1&notEmpty=0', 'notEmpty'],
    ['noPassword=1&noPassword=1', 'noPassword'],
    ['reachable=0&reachable=1', 'reachable'],
    ['q=a&q=b', 'q'],
    ['limit=5&limit=5', 'limit'],
    ['offset=1&offset=2', 'offset'],
    ['map=mp_rise&limit=5&gameState=one', 'gameState'],
  ];
  for (const [query, param] of bad) {
    const shown = query.length > 60 ? `${query.slice(0, 40)}… (${query.length} chars)` : query;
    it(`?${shown} is 400 BAD_REQUEST naming ${param}`, async () => {
      const res = await fetchRaw(`${t.url}/v2/client/servers?${query}`);
      assert.equal(res.status, 400);
      assert.equal(errorOf(res).code, 'BAD_REQUEST');
      assert.ok(errorOf(res).msg.startsWith(`${param}:`), errorOf(res).msg);
      assert.ok(res.text.length < 300, 'the answer does not echo the value');
    });
  }

  it('q takes 64 characters (code points), emoji included', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers?q=${encodeURIComponent('😀'.repeat(64))}`);
    assert.equal(res.status, 200);
    assert.equal(res.text, '[]');
    const long = await fetchRaw(`${t.url}/v2/client/servers?q=${'a'.repeat(64)}&map=${'m'.repeat(64)}`);
    assert.equal(long.status, 200);
  });

  it('thousands of parameters are answered, up to the header limit, beyond which it is 431', async () => {
    const many = Array.from({ length: 1400 }, (_, i) => `map=m${i}`).join('&');
    assert.ok(many.length < 16_000);
    const res = await fetchRaw(`${t.url}/v2/client/servers?${many}&map=mp_rise`);
    assert.equal(res.status, 200);
    assert.deepEqual(names(res), ['Bravo', 'Foxtrot']);
    const unknown = Array.from({ length: 1500 }, (_, i) => `x${i}=1`).join('&');
    const ignored = await fetchRaw(`${t.url}/v2/client/servers?${unknown}`);
    assert.equal(ignored.status, 200);
    assert.equal(ignored.headers['x-total-count'], String(SERVERS.length));
    const tooMany = Array.from({ length: 4000 }, (_, i) => `map=m${i}`).join('&');
    const refused = await fetchRaw(`${t.url}/v2/client/servers?${tooMany}`);
    assert.equal(refused.status, 431);
    assert.equal(errorOf(refused).code, 'HEADERS_TOO_LARGE');
  });
});

describe('the list query cache', () => {
  it('keys a query by its meaning: order, repeats, true for 1 and the case of q do not matter', () => {
    const key = (search: string): string => {
      const parsed = parseListQuery(search, true);
      assert.ok(parsed.ok);
      return parsed.query.key;
    };
    assert.equal(key('map=a&map=b&notFull=1&q=Ab'), key('q=aB&notFull=true&map=b&map=a&map=b'));
    assert.equal(key('gameState=2&gameState=-1'), key('gameState=-1&gameState=2&gameState=02'));
    assert.notEqual(key('map=a'), key('playlist=a'));
    assert.notEqual(key('map=a&limit=5'), key('map=a'));
    assert.equal(key('notFull=0&offset=0&q=&other=1'), '', 'nothing that narrows: the whole list');
  });

  it('keeps the answers of at most maxEntries queries and about maxBytes, however many new queries come', () => {
    const registry = new MemoryRegistry();
    for (let i = 0; i < 200; i++) registry.put(listing({ port: 100 + i, map: `map${i % 10}` }));
    const snapshot = new ServerListCache(registry).current();
    const lists = new FilteredLists({ maxEntries: 50, maxBytes: 200_000 });
    const parser = new ListQueryParser(true);
    for (let i = 0; i < 5000; i++) {
      const parsed = parser.parse(`/?map=map${i % 10}&offset=${i}&limit=${1 + (i % 20)}`, 2);
      assert.ok(parsed.ok);
      lists.answer(snapshot, parsed.query);
      assert.ok(lists.size.entries <= 50, `${lists.size.entries} entries`);
      assert.ok(lists.size.bytes <= 200_000, `${lists.size.bytes} bytes`);
    }
    assert.ok(parser.size <= 1024, `${parser.size} parses kept`);
    const big = new FilteredLists({ maxBytes: 5000 });
    for (let i = 0; i < 20; i++) {
      const parsed = parser.parse(`/?q=server&offset=${i}`, 2);
      assert.ok(parsed.ok);
      big.answer(snapshot, parsed.query);
      assert.equal(big.size.entries, 1, 'an answer larger than the bound is kept alone');
    }
  });

  it('serves a repeated query from the same answer until the list changes, then drops every answer', () => {
    const registry = new MemoryRegistry();
    for (let i = 0; i < 10; i++) registry.put(listing({ port: 100 + i }));
    const cache = new ServerListCache(registry, { maxStaleMs: 0 });
    const lists = new FilteredLists();
    const parsed = parseListQuery('map=mp_glitch&limit=3', true);
    assert.ok(parsed.ok);
    const first = lists.answer(cache.current(), parsed.query);
    assert.equal(lists.answer(cache.current(), parsed.query), first);
    registry.put(listing({ port: 100, curPlayers: 9 }));
    const next = lists.answer(cache.current(), parsed.query);
    assert.notEqual(next, first);
    assert.equal(lists.size.entries, 1);
    assert.equal((JSON.parse(next.body.toString()) as Array<{ curPlayers: number }>)[0]?.curPlayers, 9);
  });

  it('the indexed answer and the one-server check (used by the live stream) agree on every query', () => {
    // A deterministic pseudo-random list and queries: every field takes a few values, so that filters overlap.
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const servers: ListedServer[] = [];
    for (let i = 0; i < 400; i++) {
      const maxPlayers = 1 + next(4);
      servers.push(
        listing({
          port: 1000 + i,
          name: ['Alpha', 'beta', 'GAMMA', 'Über'][next(4)] as string,
          desc: ['', 'casual ÜBER', 'Pro league'][next(3)] as string,
          map: `m${next(5)}`,
          playlist: `p${next(4)}`,
          gameState: next(3) - 1,
          curPlayers: next(maxPlayers + 1),
          maxPlayers,
          ...(next(3) === 0 ? { password: 'x' } : {}),
          reachable: [true, false, null][next(3)] as boolean | null,
        }),
      );
    }
    const index = new ListIndex(servers);
    const values = {
      map: ['m0', 'm1', 'm4', 'none'],
      playlist: ['p0', 'p3', 'none'],
      gameState: ['-1', '0', '1', '9'],
      q: ['a', 'über', 'PRO', 'zz'],
    };
    for (let round = 0; round < 500; round++) {
      const parts: string[] = [];
      for (const [name, choices] of Object.entries(values)) {
        const times = name === 'q' ? next(2) : next(3);
        for (let k = 0; k < times; k++)
          parts.push(`${name}=${encodeURIComponent(choices[next(choices.length)] as string)}`);
      }
      for (const flag of ['notFull', 'notEmpty', 'noPassword', 'reachable']) if (next(3) === 0) parts.push(`${flag}=1`);
      const parsed = parseListQuery(parts.join('&'), true);
      assert.ok(parsed.ok, parts.join('&'));
      const expected = servers.flatMap((server, i) => (matchesFilter(server, parsed.query) ? [i] : []));
      const { total, positions } = index.matching(parsed.query);
      assert.deepEqual(positions, expected, parts.join('&'));
      assert.equal(total, expected.length);
      const page = index.matching(parsed.query, 3, 8);
      assert.deepEqual(page, { total: expected.length, positions: expected.slice(3, 8) }, parts.join('&'));
    }
  });
});
