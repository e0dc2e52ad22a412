import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fetchRaw } from '@masterserver/testing';
import { CachedBody, sendCached } from '../src/http/cached-body.js';
import type { Logger } from '../src/logger.js';

const HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' };

/** A body whose first gzip compression fails, as a broken zlib stream would. */
class FailingOnce extends CachedBody {
  failures = 1;
  protected override compress(encoding: 'gzip' | 'br'): Promise<Buffer> {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('zlib broke'));
    }
    return super.compress(encoding);
  }
}

describe('CachedBody and sendCached', () => {
  const logged: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_fields, msg) => logged.push(String(msg)) };
  const bodies = new Map<string, CachedBody>();
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => sendCached(req, res, bodies.get(req.url ?? '') as CachedBody, logger));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a body that compression would not shrink as it is, without Content-Encoding', async () => {
    const noise = new CachedBody(randomBytes(4096), { headers: HEADERS });
    bodies.set('/noise', noise);
    const res = await fetchRaw(`${url}/noise`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, 'accept-encoding');
    assert.deepEqual(res.raw, noise.body);
    assert.equal(noise.encoded('gzip'), noise.body, 'the plain body stands in for the gzip variant');
  });

  it('a failed compression answers 500, is logged, and is tried again by the next request', async () => {
    const text = new FailingOnce(Buffer.from('compressible '.repeat(200)), { headers: HEADERS });
    bodies.set('/text', text);
    const failed = await fetchRaw(`${url}/text`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.json, { error: { code: 'INTERNAL_ERROR', msg: 'Internal error' } });
    assert.ok(logged.includes('compressing a response failed'));
    const retried = await fetchRaw(`${url}/text`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(retried.status, 200);
    assert.equal(retried.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(retried.raw), text.body);
    assert.equal(Number(retried.headers['content-length']), retried.raw.length);
  });

  it('a variant once made is sent from its buffer with one header object made for it, request after request', async () => {
    const body = new CachedBody(Buffer.from('{"a":1}'.repeat(100)), { headers: HEADERS });
    assert.equal(body.variant('br'), undefined, 'not made before it is asked for');
    await body.precompress();
    const br = body.variant('br');
    assert.ok(br !== undefined);
    assert.equal(body.variant('br'), br);
    assert.equal(body.encoded('br'), br.body, 'a buffer, not a promise');
    assert.deepEqual(br.head, {
      ...HEADERS,
      etag: body.etag,
      vary: 'accept-encoding',
      'content-encoding': 'br',
      'content-length': br.body.length,
    });
    bodies.set('/json', body);
    const res = await fetchRaw(`${url}/json`, { headers: { 'accept-encoding': 'br' } });
    assert.deepEqual(res.raw, br.body);
  });

  it('a 304 carries the ETag and the headers but no content type', async () => {
    const body = new CachedBody(Buffer.from('x'), { headers: HEADERS, compressible: false });
    bodies.set('/x', body);
    const res = await fetchRaw(`${url}/x`, { headers: { 'if-none-match': body.etag } });
    assert.equal(res.status, 304);
    assert.equal(res.headers.etag, body.etag);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['content-type'], undefined);
    assert.equal(res.headers.vary, undefined, 'not compressible: does not vary');
  });
});
