// Registrations per second over real WebSockets: the masterserver (exact decode,
// validation, token check, listing) against a bare ws server on the same options
// that JSON.parses each message and answers a fixed success.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { MasterServer } from '@masterserver/server';
import { WebSocketServer } from 'ws';
import { report } from './lib.js';

const TOKEN = 'bench-token';
const CONNECTIONS = 200;
const DURATION = 2000;
const ROUNDS = 3;
const execFileAsync = promisify(execFile);
const load = new URL('./load-ws.js', import.meta.url).pathname;

// The load runs in a child process; the servers measured live in this one.
async function measure(url, mode) {
  const args = [load, url, TOKEN, String(CONNECTIONS), String(DURATION)];
  if (mode !== undefined) args.push(mode);
  return JSON.parse((await execFileAsync(process.execPath, args, { encoding: 'utf8' })).stdout);
}

export async function run() {
  const ms = new MasterServer({ regTokens: [TOKEN], registrationRate: null, maxConnectionsPerIp: 0 });
  const url = `${(await ms.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/v2/server/ws`;

  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536 });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      ws.send(`{"metadata":{"type":-1,"id":${m.metadata.id}},"success":true}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `ws://127.0.0.1:${server.address().port}/v2/server/ws`;

  for (const [name, mode] of [
    [`registrations, ${CONNECTIONS} conns, unchanged info`, undefined],
    [`registrations, ${CONNECTIONS} conns, changing info`, 'churn'],
  ]) {
    // Alternate the two servers and keep the best run of each: noise on a shared machine only slows a run down.
    let base = 0;
    let cand = 0;
    for (let round = 0; round < ROUNDS; round++) {
      base = Math.max(base, (await measure(baseUrl, mode)).rps);
      const result = await measure(url, mode);
      if (result.failed > 0) throw new Error(`${result.failed} registrations failed`);
      cand = Math.max(cand, result.rps);
    }
    report(name, 'parse-and-reply ws server', base, cand, 'reg/s');
  }
  for (const client of wss.clients) client.terminate();
  wss.close();
  await new Promise((resolve) => server.close(resolve));
  await ms.close();
}
