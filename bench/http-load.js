// One HTTP load run in its own process (forked, IPC), which also measures the
// load generator's CPU. argv[2]: JSON { url, seconds, connections, headers, status, paths? }
// (`paths`: request these paths of the url's origin in turn, instead of the url's own).
// Uses `wrk` (C, one thread) when it is installed, else autocannon (JavaScript,
// which saturates its core sooner on large bodies). With wrk, every response
// must have `status`: one request checks it first, and wrk counts any other
// than 2xx/3xx as an error.
// Sends { type: 'result', tool, rps, statuses, errors, cpu }.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { cpuMark, cpuShare } from './raw-ws.js';

const { tool, url, seconds, connections, headers, status, paths } = JSON.parse(process.argv[2]);

/** A wrk script that requests `paths` in turn (each connection continues where the last request left off). */
function rotationScript(dir) {
  const file = join(dir, 'paths.lua');
  const list = paths.map((p) => JSON.stringify(p)).join(',\n');
  writeFileSync(
    file,
    `local paths = {\n${list}\n}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n`,
  );
  return file;
}

function statusOf() {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    })
      .on('error', reject)
      .end();
  });
}

/** CPU seconds a process has used so far, from /proc (utime + stime). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function withWrk() {
  const first = await statusOf();
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const dir = paths === undefined ? undefined : mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  if (dir !== undefined) args.push('-s', rotationScript(dir));
  const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  // wrk's CPU: sampled until it exits (the last sample is at most 100 ms before the end).
  const started = performance.now();
  let cpu = 0;
  let at = started;
  const sampler = setInterval(() => {
    const used = cpuSeconds(child.pid);
    if (used !== undefined) {
      cpu = used;
      at = performance.now();
    }
  }, 100);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${out}`);
  const number = (pattern) => Number(pattern.exec(out)?.[1] ?? 0);
  const other = number(/Non-2xx or 3xx responses: (\d+)/);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = other + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  const rps = number(/Requests\/sec:\s+([\d.]+)/);
  return {
    tool: 'wrk',
    rps,
    statuses: first === status ? { [status]: Math.round(rps * seconds) } : { [first]: 1 },
    errors,
    cpu: cpu / ((at - started) / 1000),
  };
}

async function withAutocannon() {
  const mark = cpuMark();
  const requests = paths === undefined ? undefined : paths.map((path) => ({ path }));
  const result = await autocannon({ url, duration: seconds, connections, pipelining: 1, headers, requests });
  const cpu = cpuShare(mark);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const completed = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    tool: 'autocannon',
    rps: completed / result.duration,
    statuses,
    errors: result.errors + result.timeouts,
    cpu,
  };
}

process.send({ type: 'result', ...(tool === 'wrk' ? await withWrk() : await withAutocannon()) });
