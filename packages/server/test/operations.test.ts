import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  fetchRaw,
  postJson,
  RawWebSocket,
  registrationText,
  serverInfo,
  TestGameServer,
  waitFor,
} from '@masterserver/testing';
import { pino } from 'pino';
import { SqliteTokenStore } from '../src/index.js';
import { runCli, tempDir } from './cli-helpers.js';
import { startMs, TOKEN } from './helpers.js';

describe('token store', () => {
  it('holds no token in clear, only hashes', async () => {
    const dir = tempDir();
    const store = new SqliteTokenStore(dir);
    const { token } = await store.create('secret-holder');
    await store.markUsed([token.split('.')[0] as string], Date.now());
    await store.close();
    const secret = token.split('.')[1] as string;
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      assert.ok(!bytes.includes(token) && !bytes.includes(secret), `${file} holds the token`);
    }
  });
});

describe('--trust-proxy', () => {
  const upgradeFrom = (wsUrl: string, forwardedFor: string) =>
    RawWebSocket.connect(wsUrl, { headers: { 'X-Forwarded-For': forwardedFor } });

  it('from a trusted proxy, X-Forwarded-For is the listed address and the per-IP limit key', async () => {
    const t = await startMs({ trustProxy: ['127.0.0.0/8'], maxConnectionsPerIp: 1 });
    try {
      const ws = await upgradeFrom(t.wsUrl, '198.51.100.1, 203.0.113.9');
      ws.sendText(registrationText(TOKEN, serverInfo({ port: 37500 }), 1));
      assert.equal(JSON.parse(await ws.nextText()).success, true);
      const [server] = await t.list();
      const join = postJson(`${t.url}/v2/client/join`, { serverId: server?.id, username: 'u', clantag: '' });
      const request = JSON.parse(await ws.nextText()) as { metadata: { id: number } };
      ws.sendText(`{"metadata":{"type":-2,"id":${request.metadata.id}},"success":true}`);
      assert.equal(((await join).json as { ip: string }).ip, '203.0.113.9', 'the rightmost untrusted hop');
      const refused = await upgradeFrom(t.wsUrl, '203.0.113.9').catch((error: unknown) => error);
      assert.equal((refused as { status?: number }).status, 429, 'the limit counts the forwarded address');
      const other = await upgradeFrom(t.wsUrl, '203.0.113.10');
      other.destroy();
      ws.destroy();
    } finally {
      await t.close();
    }
  });

  it('from anyone else, X-Forwarded-For is ignored', async () => {
    const t = await startMs({ trustProxy: ['10.0.0.0/8'] });
    try {
      const ws = await upgradeFrom(t.wsUrl, '203.0.113.9');
      ws.sendText(registrationText(TOKEN, serverInfo({ port: 37501 }), 1));
      await ws.nextText();
      const [server] = await t.list();
      const join = postJson(`${t.url}/v2/client/join`, { serverId: server?.id, username: 'u', clantag: '' });
      const request = JSON.parse(await ws.nextText()) as { metadata: { id: number } };
      ws.sendText(`{"metadata":{"type":-2,"id":${request.metadata.id}},"success":true}`);
      assert.equal(((await join).json as { ip: string }).ip, '127.0.0.1');
      ws.destroy();
    } finally {
      await t.close();
    }
  });

  it('a bad range exits 2 naming --trust-proxy', () => {
    const result = runCli(['serve', '--trust-proxy', '10.0.0.0/33', '--data-dir', tempDir()]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--trust-proxy: "10\.0\.0\.0\/33"/);
  });
});

describe('GET /metrics', () => {
  const sample = (text: string, name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('is Prometheus text whose gauges and counters follow registrations, joins, closes and requests', async () => {
    const t = await startMs({ joinTimeout: 2000 });
    try {
      const before = await fetchRaw(`${t.url}/metrics`);
      assert.equal(before.status, 200);
      assert.match(String(before.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      for (const line of before.text.split('\n')) {
        if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
        // Values as Go's ParseFloat reads them (prom-client writes NaN as "Nan").
        assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i, line);
      }
      assert.equal(sample(before.text, 'masterserver_servers_listed'), 0);
      assert.ok(before.text.includes('nodejs_eventloop_lag_seconds'), 'event-loop lag is exported');

      const gs = await t.connect();
      await gs.register({ curPlayers: 5, maxPlayers: 10 });
      await gs.register({ port: 0 });
      await gs.register({ curPlayers: 5, maxPlayers: 10 });
      const [server] = await t.list();
      const join = postJson(`${t.url}/v2/client/join`, { serverId: server?.id, username: 'u', clantag: '' });
      gs.answer(await gs.next());
      assert.equal((await join).status, 200);
      const bad = await TestGameServer.connect(t.wsUrl, TOKEN);
      bad.socket.autoCloseReply = true;
      bad.socket.sendText('nonsense');
      await bad.socket.ended;
      // Read in-process while waiting: a request for /metrics would be counted too.
      await waitFor(
        'the close counted and the connection let go',
        async () =>
          t.ms.gateway.connectionCount === 1 &&
          (await t.ms.metrics.registry.getSingleMetricAsString('masterserver_gs_closes_total')).includes(
            'code="4000"} 1',
          ),
      );

      const after = (await fetchRaw(`${t.url}/metrics`)).text;
      assert.equal(sample(after, 'masterserver_servers_listed'), 1);
      assert.equal(sample(after, 'masterserver_players'), 5);
      assert.equal(sample(after, 'masterserver_gs_connections'), 1);
      assert.equal(sample(after, 'masterserver_registrations_total{outcome="success"}'), 2);
      assert.equal(sample(after, 'masterserver_registrations_total{outcome="invalid_info"}'), 1);
      assert.equal(sample(after, 'masterserver_joins_total{outcome="accepted"}'), 1);
      assert.equal(sample(after, 'masterserver_join_duration_seconds_count{outcome="accepted"}'), 1);
      assert.equal(sample(after, 'masterserver_gs_closes_total{code="4000"}'), 1);
      assert.equal(sample(after, 'masterserver_http_requests_total{route="/v2/client/servers",status="200"}'), 1);
      assert.equal(sample(after, 'masterserver_http_requests_total{route="/metrics",status="200"}'), 1);
    } finally {
      await t.close();
    }
  });
});

describe('logs', () => {
  it('tell connections, closes, refused registrations and joins, and never a token, password or session token', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const t = await startMs({ logger: pino({ level: 'debug' }, sink) });
    try {
      const gs = await t.connect();
      await gs.register({ name: 'logged', password: 'p4ssw0rd-secret' });
      const wrong = await TestGameServer.connect(t.wsUrl, 'wrong-token-secret');
      await wrong.register();
      const [server] = await t.list();
      const join = postJson(`${t.url}/v2/client/join`, {
        serverId: server?.id,
        username: 'u',
        clantag: '',
        password: 'p4ssw0rd-secret',
      });
      const request = await gs.next();
      gs.answer(request);
      await join;
      const sessionToken = request.value.sessionToken as string;
      await gs.close();
      await waitFor('the disconnection logged', () => output.includes('"msg":"game server disconnected"'));
      const lines = output
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string; code?: number; outcome?: string });
      assert.ok(lines.some((l) => l.msg === 'game server connected'));
      assert.ok(lines.some((l) => l.msg === 'game server disconnected' && l.code === 1000));
      assert.ok(lines.some((l) => l.msg.startsWith('registration refused: Invalid registration token')));
      assert.ok(lines.some((l) => l.msg === 'join' && l.outcome === 'accepted'));
      for (const secret of [TOKEN, 'wrong-token-secret', 'p4ssw0rd-secret', sessionToken]) {
        assert.ok(!output.includes(secret), `the logs hold ${secret}`);
      }
    } finally {
      await t.close();
    }
  });
});

describe('--config FILE', () => {
  it('applies its keys below flags and environment', () => {
    const dir = tempDir();
    const file = join(dir, 'ms.json');
    writeFileSync(file, JSON.stringify({ 'ping-interval': 'soon' }));
    const bad = runCli(['serve', '--config', file, '--data-dir', dir]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /ms\.json: "ping-interval": "soon" is not a duration/);
    const overridden = runCli(['serve', '--config', file, '--ping-interval', 'x', '--data-dir', dir]);
    assert.match(overridden.stderr, /--ping-interval: "x"/, 'the flag wins over the file');
  });

  it('refuses unknown keys and ill-typed values, naming the key', () => {
    const dir = tempDir();
    for (const [content, message] of [
      [{ 'ping-intervall': '1s' }, /unknown key "ping-intervall"/],
      [{ 'max-servers': { n: 1 } }, /"max-servers" must be a string/],
      [[1, 2], /must hold a JSON object/],
    ] as const) {
      const file = join(dir, 'c.json');
      writeFileSync(file, JSON.stringify(content));
      const result = runCli(['serve', '--config', file, '--data-dir', dir]);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
    }
    const missing = runCli(['serve', '--config', join(dir, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--config: cannot read/);
  });
});
