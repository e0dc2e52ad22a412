// The scale run of cluster mode: TOTAL simulated game servers spread over
// INSTANCES masterservers sharing one Redis, fed by one gs-sim process per
// instance, all on this machine. It reports the time until every server is
// listed on every instance (with the same ETag everywhere), the RSS of each
// instance and Redis's memory.
//
// Usage: node bench/scale.js [--total 100000] [--instances 6] [--register-interval 30s] [--ttl 90s]
// Needs redis-server (apt-get install -y redis-server). Takes a few minutes.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: {
    total: { type: 'string', default: '100000' },
    instances: { type: 'string', default: '6' },
    'register-interval': { type: 'string', default: '30s' },
    ttl: { type: 'string', default: '90s' },
  },
});
const TOTAL = Number(values.total);
const INSTANCES = Number(values.instances);
const BIN = new URL('../packages/server/bin/masterserver.js', import.meta.url).pathname;
const TOKEN = 'scale-run-token';
const children = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function start(command, args, name) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (chunk) => process.stderr.write(`[${name}] ${chunk}`));
  children.push(child);
  return child;
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

async function main() {
  const redisPort = await freePort();
  start(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'redis',
  );
  const redis = new Redis(redisPort, '127.0.0.1', { retryStrategy: () => 100 });
  redis.on('error', () => {});
  await until('redis', async () => (await redis.ping()) === 'PONG', 10_000);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;

  const urls = [];
  for (let i = 0; i < INSTANCES; i++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ms-scale-'));
    start(
      process.execPath,
      [
        BIN,
        'serve',
        '--listen',
        `127.0.0.1:${port}`,
        '--redis',
        redisUrl,
        '--reg-token',
        TOKEN,
        '--data-dir',
        dir,
        '--max-connections',
        '20000',
        '--max-servers',
        '0',
        '--registration-ttl',
        values.ttl,
        '--log-level',
        'warn',
      ],
      `ms-${i + 1}`,
    );
    urls.push(`http://127.0.0.1:${port}`);
  }
  for (const url of urls) await until(`${url} ready`, async () => (await fetch(`${url}/healthz`)).ok, 20_000);
  console.log(`${INSTANCES} instances ready on ${redisUrl}; starting ${TOTAL.toLocaleString('en')} game servers`);

  const started = Date.now();
  const perInstance = Math.ceil(TOTAL / INSTANCES);
  for (let i = 0; i < INSTANCES; i++) {
    const count = Math.min(perInstance, TOTAL - i * perInstance);
    // gs-sim gives server n the port BASE+n and source address n mod A (A addresses of 50 servers each).
    // Bases 1 apart keep every (address, port) pair unique across processes: two servers of
    // processes k and k' share a port only when their indexes differ by k'-k, which is not a multiple of A.
    start(
      process.execPath,
      [
        BIN,
        'gs-sim',
        '--ms',
        `${urls[i].replace('http', 'ws')}/v2/server/ws`,
        '--reg-token',
        TOKEN,
        '--count',
        String(count),
        '--name',
        `scale${i + 1}`,
        '--port',
        String(10_000 + i),
        '--register-interval',
        values['register-interval'],
        // Game ports would double each process's file descriptors (and span ports other processes use);
        // this run measures the list, not the probe.
        '--no-udp',
      ],
      `gs-sim-${i + 1}`,
    );
  }

  let last = '';
  await until(
    'every server listed on every instance',
    async () => {
      const listed = await Promise.all(urls.map((url) => metric(url, 'masterserver_servers_listed')));
      const line = `${((Date.now() - started) / 1000).toFixed(0)} s: listed ${listed.join(' / ')}`;
      if (line !== last) console.log(line);
      last = line;
      return listed.every((n) => n === TOTAL);
    },
    30 * 60_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const etags = await Promise.all(
    urls.map(async (url) => (await fetch(`${url}/v2/client/servers`, { method: 'HEAD' })).headers.get('etag')),
  );
  const consistent = etags.every((etag) => etag === etags[0]);
  const rss = await Promise.all(urls.map((url) => metric(url, 'process_resident_memory_bytes')));
  const connections = await Promise.all(urls.map((url) => metric(url, 'masterserver_gs_connections')));
  const memory = await redis.info('memory');
  const used = Number(/used_memory:(\d+)/.exec(memory)?.[1]);
  const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
  console.log('');
  console.log(`game servers        ${TOTAL.toLocaleString('en')} over ${INSTANCES} instances`);
  console.log(`all listed after    ${seconds.toFixed(1)} s (from the first gs-sim start)`);
  console.log(`same list on all    ${consistent ? 'yes' : 'NO'} (ETag ${etags[0]})`);
  console.log(`connections         ${connections.join(' / ')}`);
  console.log(`RSS per instance    ${rss.map(mib).join(' / ')}`);
  console.log(`Redis used_memory   ${mib(used)}`);
  redis.disconnect();
  if (!consistent) process.exitCode = 1;
}

try {
  await main();
} finally {
  for (const child of children.reverse()) child.kill('SIGTERM');
  await sleep(3000);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
