import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { fetchRaw, type TestResponse } from '@masterserver/testing';
import { resolveOptions } from '../src/options.js';
import { defaultWebRoot } from '../src/web-root.js';
import { startMs, type TestMs } from './helpers.js';

const errorCode = (res: TestResponse) => (res.json as { error: { code: string } }).error.code;

/** GET with the path sent exactly as written (no URL normalization of `..`). */
function rawGet(base: string, path: string): Promise<{ status: number; text: string; code: string | undefined }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, code });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A web root like the build's: index.html, hashed assets, and files that must never be served. */
function makeWebRoot(): string {
  const outside = mkdtempSync(join(tmpdir(), 'ms-web-'));
  const root = join(outside, 'public');
  mkdirSync(join(root, 'assets', 'nested'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'outside the root');
  writeFileSync(join(root, 'secret.txt'), 'in the root, not an asset');
  writeFileSync(
    join(root, 'index.html'),
    `<!doctype html><html><head><title>Server browser</title><script type="module" src="/assets/app-Ab12Cd34.js"></script></head><body>${'<p>padding</p>'.repeat(50)}</body></html>`,
  );
  writeFileSync(join(root, 'assets', 'app-Ab12Cd34.js'), `console.log(${JSON.stringify('x'.repeat(2000))});\n`);
  writeFileSync(join(root, 'assets', 'style-Zz99.css'), `body { color: red; }\n${'.a { margin: 0 }\n'.repeat(100)}`);
  writeFileSync(join(root, 'assets', 'logo-1a2b.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
  writeFileSync(join(root, 'assets', 'nested', 'deep.js'), 'nested');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'assets', 'link.js'));
  return root;
}

describe('GET / – the server browser page', () => {
  let t: TestMs;
  let root: string;
  before(async () => {
    root = makeWebRoot();
    t = await startMs({ webRoot: root });
  });
  after(async () => {
    await t.close();
    rmSync(join(root, '..'), { recursive: true, force: true });
  });

  it('serves index.html revalidated on every load, with an ETag, a CSP and nosniff', async () => {
    const res = await fetchRaw(`${t.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.text, readFileSync(join(root, 'index.html'), 'utf8'));
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers.etag), /^W\/".+"$/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.equal(Number(res.headers['content-length']), res.raw.length);
  });

  it('the query string does not matter: a link with filters gets the same page', async () => {
    const plain = await fetchRaw(`${t.url}/`);
    const linked = await fetchRaw(`${t.url}/?q=frontier&map=mp_glitch&full=hide`);
    assert.equal(linked.status, 200);
    assert.equal(linked.text, plain.text);
  });

  it('GET /admin is the same page with the same headers: the admin view is a route of it', async () => {
    const plain = await fetchRaw(`${t.url}/`);
    const admin = await fetchRaw(`${t.url}/admin`);
    assert.equal(admin.status, 200);
    assert.equal(admin.text, plain.text);
    for (const header of ['content-type', 'cache-control', 'etag', 'content-security-policy', 'referrer-policy']) {
      assert.equal(admin.headers[header], plain.headers[header], header);
    }
  });

  for (const encoding of ['br', 'gzip'] as const) {
    it(`Accept-Encoding: ${encoding} gets the precompressed body, smaller and decoding to the same bytes`, async () => {
      const plain = await fetchRaw(`${t.url}/`);
      const res = await fetchRaw(`${t.url}/`, { headers: { 'accept-encoding': encoding } });
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(res.headers.vary, 'accept-encoding');
      assert.ok(res.raw.length < plain.raw.length);
      const decoded = encoding === 'br' ? brotliDecompressSync(res.raw) : gunzipSync(res.raw);
      assert.deepEqual(decoded, plain.raw);
      assert.equal(res.headers.etag, plain.headers.etag);
    });
  }

  it('If-None-Match with the ETag answers 304 with no body', async () => {
    const first = await fetchRaw(`${t.url}/`);
    const again = await fetchRaw(`${t.url}/`, { headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal(again.raw.length, 0);
    assert.equal(again.headers.etag, first.headers.etag);
  });

  it('HEAD answers the headers only', async () => {
    const res = await fetchRaw(`${t.url}/`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
    assert.ok(Number(res.headers['content-length']) > 0);
  });

  it('hashed assets are cached for a year as immutable, with their content type', async () => {
    for (const [name, type] of [
      ['app-Ab12Cd34.js', 'text/javascript; charset=utf-8'],
      ['style-Zz99.css', 'text/css; charset=utf-8'],
      ['logo-1a2b.png', 'image/png'],
    ] as const) {
      const res = await fetchRaw(`${t.url}/assets/${name}`, { headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers['content-type'], type, name);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', name);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.deepEqual(Buffer.from(res.text, 'utf8').length > 0, true);
    }
    const png = await fetchRaw(`${t.url}/assets/logo-1a2b.png`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(png.headers['content-encoding'], undefined, 'images are not compressed again');
    assert.equal(png.headers.vary, undefined);
  });

  it('a missing asset is 404 NOT_FOUND in the error shape', async () => {
    const res = await fetchRaw(`${t.url}/assets/app-00000000.js`);
    assert.equal(res.status, 404);
    assert.equal(errorCode(res), 'NOT_FOUND');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  });

  it('no path reaches a file outside assets/: traversal, encoded slashes, nested paths, symbolic links', async () => {
    for (const path of [
      '/assets/../secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e%5csecret.txt',
      '/assets/nested/deep.js',
      '/assets/nested%2fdeep.js',
      '/assets/link.js',
      '/assets/%00',
      '/secret.txt',
      '/..%2fsecret.txt',
      '/index.html/../secret.txt',
      '//etc/passwd',
    ]) {
      const res = await rawGet(t.url, path);
      assert.ok(res.status === 404 || res.status === 400, `${path} answered ${res.status}`);
      assert.ok(!res.text.includes('outside the root') && !res.text.includes('in the root'), path);
      assert.ok(res.code === 'NOT_FOUND' || res.code === 'BAD_REQUEST', path);
    }
  });

  it('other methods are 405 with Allow', async () => {
    const res = await fetchRaw(`${t.url}/`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });
});

describe('GET / without the page', () => {
  it('when the files were not built, / and the assets answer 503 WEB_UNAVAILABLE, and the API keeps working', async () => {
    const t = await startMs({ webRoot: join(tmpdir(), 'ms-web-does-not-exist') });
    try {
      const page = await fetchRaw(`${t.url}/`);
      assert.equal(page.status, 503);
      assert.equal(errorCode(page), 'WEB_UNAVAILABLE');
      assert.equal((await fetchRaw(`${t.url}/assets/app.js`)).status, 503);
      assert.equal((await fetchRaw(`${t.url}/v2/client/servers`)).text, '[]');
      assert.equal((await fetchRaw(`${t.url}/healthz`)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('webRoot: null serves no page: / is 404 NOT_FOUND', async () => {
    const t = await startMs({ webRoot: null });
    try {
      const page = await fetchRaw(`${t.url}/`);
      assert.equal(page.status, 404);
      assert.equal(errorCode(page), 'NOT_FOUND');
    } finally {
      await t.close();
    }
  });
});

describe('the built page (packages/web)', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  it('is found by default and served at /', async () => {
    const res = await fetchRaw(`${t.url}/`);
    assert.equal(
      res.status,
      200,
      `the page is not built in ${defaultWebRoot()}: run "npm run build" (it builds packages/web too)`,
    );
    assert.match(res.text, /<div id="app"><\/div>/);
  });

  it('everything / loads weighs under 100 KB compressed (br)', async () => {
    const index = await fetchRaw(`${t.url}/`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(index.status, 200, 'the page is not built: run "npm run build"');
    const assets = [...index.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join(' '));
    let total = index.raw.length;
    for (const asset of assets) {
      const res = await fetchRaw(`${t.url}${asset}`, { headers: { 'accept-encoding': 'br' } });
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      total += res.raw.length;
    }
    assert.ok(total < 100 * 1024, `the page weighs ${total} bytes compressed`);
  });
});

describe('the server browser’s options', () => {
  it('default to the copy of the web package’s build in the server package, a sample every 5 s and 1000 streams', () => {
    const o = resolveOptions();
    assert.equal(o.webRoot, defaultWebRoot());
    assert.match(String(o.webRoot), /packages\/server\/dist\/public$/);
    assert.equal(o.statsInterval, 5000);
    assert.equal(o.maxEventStreams, 1000);
    assert.equal(resolveOptions({ webRoot: null }).webRoot, null);
  });

  it('refuse values they cannot take, naming the option', () => {
    assert.throws(() => resolveOptions({ webRoot: '' }), /webRoot/);
    assert.throws(() => resolveOptions({ statsInterval: 0 }), /statsInterval/);
    assert.throws(() => resolveOptions({ maxEventStreams: -1 }), /maxEventStreams/);
  });
});
