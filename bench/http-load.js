// One autocannon run in its own process (forked, IPC), which also measures its
// own CPU. argv[2]: JSON { url, seconds, connections, headers }.
// Sends { type: 'result', rps, bytesPerRequest, statuses, errors, p50, p99, cpu }.
import autocannon from 'autocannon';
import { cpuMark, cpuShare } from './raw-ws.js';

const { url, seconds, connections, headers } = JSON.parse(process.argv[2]);
const mark = cpuMark();
const result = await autocannon({ url, duration: seconds, connections, pipelining: 1, headers });
const cpu = cpuShare(mark);
const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
const completed = Object.values(statuses).reduce((sum, n) => sum + n, 0);
process.send({
  type: 'result',
  rps: completed / result.duration,
  bytesPerRequest: result.throughput.total / Math.max(completed, 1),
  statuses,
  errors: result.errors + result.timeouts,
  p50: result.latency.p50,
  p99: result.latency.p99,
  cpu,
});
