// An open-loop join driver in its own process (forked, IPC): POST /v2/client/join
// at a fixed schedule of `rate` per second for `seconds`, over keep-alive
// connections, each latency measured from the request's scheduled send time (so
// a stall counts against every request it delays: no coordinated omission).
// argv[2]: JSON { url, rate, seconds, quickplay }; the server ids come from the list. With `quickplay`, the
// requests are POST /v2/client/quickplay for the game servers' playlist instead (the masterserver picks).
// Sends { type: 'result', sent, ok, errors, errorCodes, statuses, latencies: {p50,p90,p99,p999,max}, lag, connections, cpu,
// slow } (lag: the most a send ran behind its schedule; connections: TCP connections opened; slow: the requests at or
// above the p99, each as [its scheduled send time in ms since the epoch, its latency in ms]).
import { Agent, request } from 'node:http';
import { cpuMark, cpuShare } from './raw-ws.js';

const { url, rate, seconds, quickplay = false } = JSON.parse(process.argv[2]);
const ids = (await (await fetch(new URL('/v2/client/servers', url))).json()).map((server) => server.id);
// A free socket is closed after 4 s idle: before both servers' keep-alive timeout (5 s), so that no request goes out on
// a connection the server is closing (an ECONNRESET that no server could avoid).
const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });
const total = Math.round(rate * seconds);
const latencies = new Float64Array(total);
const statuses = {};
let done = 0;
let errors = 0;
/** Errors by their code (or message). */
const errorCodes = {};
let maxLag = 0;
let connections = 0;
const bodies = quickplay
  ? [Buffer.from(JSON.stringify({ playlist: 'fd_regular', username: 'bench', clantag: 'BN' }), 'utf8')]
  : ids.map((serverId) => Buffer.from(JSON.stringify({ serverId, username: 'bench', clantag: 'BN' }), 'utf8'));
const target = new URL(quickplay ? '/v2/client/quickplay' : '/v2/client/join', url);

function fire(n, scheduled, finish) {
  const body = bodies[n % bodies.length];
  const req = request(
    target,
    { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
    (res) => {
      res.resume();
      res.on('end', () => {
        latencies[n] = performance.now() - scheduled;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (++done === total) finish();
      });
    },
  );
  if (!req.reusedSocket) connections++;
  req.on('error', (error) => {
    latencies[n] = performance.now() - scheduled;
    errors++;
    errorCodes[error.code ?? error.message] = (errorCodes[error.code ?? error.message] ?? 0) + 1;
    if (++done === total) finish();
  });
  req.end(body);
}

const mark = cpuMark();
/** When the first request was due (performance.now()). */
let start;
await new Promise((finish) => {
  start = performance.now() + 50;
  let sent = 0;
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const scheduled = start + (sent * 1000) / rate;
      maxLag = Math.max(maxLag, now - scheduled);
      fire(sent, scheduled, finish);
      sent++;
    }
    if (sent < total) setTimeout(tick, 1);
  };
  setTimeout(tick, 50);
});
const cpu = cpuShare(mark);
agent.destroy();
const sorted = latencies.slice().sort();
const at = (q) => sorted[Math.min(total - 1, Math.floor(q * total))];
const slow = [];
const p99 = at(0.99);
for (let n = 0; n < total; n++)
  if (latencies[n] >= p99) slow.push([performance.timeOrigin + start + (n * 1000) / rate, latencies[n]]);
process.send({
  type: 'result',
  sent: total,
  ok: statuses[200] ?? 0,
  errors,
  errorCodes,
  statuses,
  latencies: { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[total - 1] },
  lag: maxLag,
  connections,
  cpu,
  slow,
});
