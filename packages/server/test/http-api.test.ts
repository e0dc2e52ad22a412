import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw } from '@masterserver/testing';
import { startMs, type TestMs } from './helpers.js';

describe('GET /v2/client/servers', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
    const servers = [
      { name: 'beta', curPlayers: 3, port: 1 },
      { name: 'alpha', curPlayers: 3, port: 2 },
      { name: 'empty', curPlayers: 0, port: 3, password: 'secret-pw' },
      { name: 'busy', curPlayers: 12, port: 4, desc: 'ünïcödé 😀 "quoted"' },
    ];
    for (const info of servers) {
      const gs = await t.connect();
      assert.equal((await gs.register(info)).value.success, true);
    }
  });
  after(() => t.close());

  it('lists servers sorted by curPlayers descending, then name', async () => {
    assert.deepEqual(
      (await t.list()).map((s) => s.name),
      ['busy', 'alpha', 'beta', 'empty'],
    );
  });

  it('gives each server exactly the public fields, never a password or an address', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.ok(!res.text.includes('secret-pw'));
    assert.ok(!res.text.includes('127.0.0.1'));
    const empty = (res.json as Array<Record<string, unknown>>).find((s) => s.name === 'empty');
    assert.deepEqual(
      { ...empty, id: 'ID' },
      {
        id: 'ID',
        name: 'empty',
        desc: 'integration test',
        map: 'mp_forwardbase_kodai',
        playlist: 'fd_regular',
        curPlayers: 0,
        maxPlayers: 16,
        hasPassword: true,
        gameState: 0,
        reachable: null,
      },
    );
    const busy = (res.json as Array<Record<string, unknown>>).find((s) => s.name === 'busy');
    assert.equal(busy?.desc, 'ünïcödé 😀 "quoted"');
    assert.equal(busy?.hasPassword, false);
  });

  it('sends an ETag and answers 304 to If-None-Match', async () => {
    const first = await fetchRaw(`${t.url}/v2/client/servers`);
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/".+"$/);
    const again = await fetchRaw(`${t.url}/v2/client/servers`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.raw.length, 0);
    assert.equal(again.headers.etag, etag);
    const other = await fetchRaw(`${t.url}/v2/client/servers`, { headers: { 'if-none-match': 'W/"other"' } });
    assert.equal(other.status, 200);
  });

  it('changes the ETag when the list changes', async () => {
    const before = (await fetchRaw(`${t.url}/v2/client/servers`)).headers.etag;
    const gs = await t.connect();
    await gs.register({ name: 'etag-change', port: 99 });
    const after = await fetchRaw(`${t.url}/v2/client/servers`, { headers: { 'if-none-match': before as string } });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, before);
    await gs.close();
  });

  for (const [accept, encoding] of [
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['identity', undefined],
    ['*', 'br'],
  ] as const) {
    it(`Accept-Encoding: ${accept} → ${encoding ?? 'uncompressed'}, same JSON`, async () => {
      const plain = await fetchRaw(`${t.url}/v2/client/servers`);
      const res = await fetchRaw(`${t.url}/v2/client/servers`, { headers: { 'accept-encoding': accept } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(res.headers.vary, 'accept-encoding');
      assert.equal(res.text, plain.text);
      assert.equal(res.headers.etag, plain.headers.etag);
      assert.equal(Number(res.headers['content-length']), res.raw.length);
    });
  }

  it('answers HEAD with the headers only', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
    assert.ok(Number(res.headers['content-length']) > 2);
  });

  it('an empty list is []', async () => {
    const empty = await startMs();
    try {
      const res = await fetchRaw(`${empty.url}/v2/client/servers`);
      assert.equal(res.text, '[]');
    } finally {
      await empty.close();
    }
  });
});

describe('GET /v2/client/servers/{id}', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
    const gs = await t.connect();
    await gs.register({ name: 'single', password: 'pw' });
  });
  after(() => t.close());

  it('answers one listed server with the same object as the list', async () => {
    const [entry] = await t.list();
    const res = await fetchRaw(`${t.url}/v2/client/servers/${encodeURIComponent(String(entry?.id))}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, entry);
  });

  it('answers 404 SERVER_NOT_FOUND for an unknown id', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers/nope`);
    assert.equal(res.status, 404);
    assert.equal((res.json as { error: { code: string } }).error.code, 'SERVER_NOT_FOUND');
  });
});

describe('operations and errors', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  it('GET /healthz answers {"status":"ok"}', async () => {
    const res = await fetchRaw(`${t.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  it('an unknown path is 404 NOT_FOUND in the error shape', async () => {
    const res = await fetchRaw(`${t.url}/v3/whatever`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { error: { code: 'NOT_FOUND', msg: 'No such resource' } });
  });

  it('a known path with the wrong method is 405 with Allow', async () => {
    const res = await fetchRaw(`${t.url}/v2/client/servers`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.equal((res.json as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
    const join = await fetchRaw(`${t.url}/v2/client/join`);
    assert.equal(join.status, 405);
    assert.equal(join.headers.allow, 'POST');
  });
});
