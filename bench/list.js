// GET /v2/client/servers with 10,000 listed servers: the masterserver's cached,
// pre-serialized (and pre-compressed) list against a plain node:http server that
// serializes (and compresses) the same list on every request.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { MasterServer, toListedServer } from '@masterserver/server';
import { report } from './lib.js';

const COUNT = 10_000;
const DURATION = 2500;
const CONCURRENCY = 16;
const execFileAsync = promisify(execFile);
const load = new URL('./load-http.js', import.meta.url).pathname;

// The load runs in a child process; the servers measured live in this one.
async function measure(url, headers = []) {
  const args = [load, url, String(DURATION), String(CONCURRENCY), ...headers];
  return JSON.parse((await execFileAsync(process.execPath, args, { encoding: 'utf8' })).stdout);
}

export async function run() {
  const ms = new MasterServer({ regTokens: ['x'], maxServers: 0 });
  for (let i = 0; i < COUNT; i++) {
    ms.registry.put(
      toListedServer(
        `id${i}`,
        {
          name: `[NS] Server ${i}`,
          desc: 'A description of moderate length for the benchmark.',
          port: 20000 + (i % 40000),
          map: 'mp_forwardbase_kodai',
          playlist: 'fd_regular',
          curPlayers: i % 17,
          maxPlayers: 16 + (i % 2),
          gameState: 1,
        },
        `10.0.${i >> 8}.${i & 255}`,
        'bench',
      ),
    );
  }
  const url = await ms.listen({ host: '127.0.0.1', port: 0 });

  // The baseline: what a straightforward implementation does per request.
  const baseline = createServer((req, res) => {
    const list = [...ms.registry.values()]
      .sort((a, b) => b.curPlayers - a.curPlayers || (a.name < b.name ? -1 : 1))
      .map((s) => ({
        id: s.id,
        name: s.name,
        desc: s.desc,
        map: s.map,
        playlist: s.playlist,
        curPlayers: s.curPlayers,
        maxPlayers: s.maxPlayers,
        hasPassword: s.hasPassword,
        gameState: s.gameState,
      }));
    let body = Buffer.from(JSON.stringify(list));
    const headers = { 'content-type': 'application/json' };
    if ((req.headers['accept-encoding'] ?? '').includes('gzip')) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${baseline.address().port}/v2/client/servers`;

  for (const [name, headers] of [
    [`list of ${COUNT.toLocaleString('en')}, identity`, []],
    [`list of ${COUNT.toLocaleString('en')}, gzip`, ['accept-encoding:gzip']],
  ]) {
    const base = await measure(baseUrl, headers);
    const cand = await measure(`${url}/v2/client/servers`, headers);
    if (cand.errors > 0 || base.errors > 0) throw new Error(`errors during the run: ${JSON.stringify({ base, cand })}`);
    report(name, 'serialize per request', base.rps, cand.rps, 'req/s');
  }
  const br = await measure(`${url}/v2/client/servers`, ['accept-encoding:br']);
  const gz = await measure(`${url}/v2/client/servers`, ['accept-encoding:gzip']);
  const plain = await measure(`${url}/v2/client/servers`);
  console.log(
    `  body sizes: identity ${Math.round(plain.bytesPerRequest / 1024)} KiB, gzip ${Math.round(gz.bytesPerRequest / 1024)} KiB, br ${Math.round(br.bytesPerRequest / 1024)} KiB`,
  );
  await new Promise((resolve) => baseline.close(resolve));
  await ms.close();
}
