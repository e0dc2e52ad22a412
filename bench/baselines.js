// The baselines, each in its own process (forked, IPC): argv[2] names one.
// - ws: a minimal `ws` server that JSON.parses each message and answers a fixed
//   general response (the request's id echoed).
// - http: a node:http server answering a constant buffer with the headers the
//   masterserver sent (argv[3]: JSON { plain, gzip } file paths and { headers,
//   gzipHeaders, notModifiedHeaders }), 304 on a matching If-None-Match.
// - join: a minimal join broker on node:http and `ws`: a game server is listed
//   (by a number) with its first message; `GET /v2/client/servers` gives the
//   ids; `POST /v2/client/join` JSON.parses the body, sends the game server a
//   join request and answers 200 with its address once the game server answers.
//   No validation, no limits, no timeout, no metrics: the floor of brokering a
//   join through one Node.js process on this machine. argv[3], optional: JSON
//   { pingInterval } (ms): it also sends each game server a WebSocket Ping on that
//   interval (the first at a random point of it), as docs/protocol.md#liveness asks
//   of the masterserver; no Pong deadline.
// Sends { type: 'ready', url }; answers 'cpu' with its CPU time, 'gc' with its GC pauses since the last 'gc' (the
// first starts watching: as the masterserver runner does); exits on 'close'.
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { constantAnswer } from './constant-http.js';
import { gcPauses } from './gc-pauses.js';

const kind = process.argv[2];
const server = createServer();

if (kind === 'ws') {
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536 });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      ws.send(`{"metadata":{"type":-1,"id":${m.metadata.id}},"success":true}`);
    });
  });
} else if (kind === 'http') {
  server.on('request', constantAnswer(JSON.parse(process.argv[3])));
} else if (kind === 'join') {
  const { pingInterval } = JSON.parse(process.argv[3] ?? '{}');
  const servers = new Map();
  let nextServer = 1;
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536 });
  wss.on('connection', (ws) => {
    const gs = { ws, waiting: new Map(), nextJoin: 1 };
    if (pingInterval !== undefined) {
      let every;
      const first = setTimeout(() => {
        ws.ping();
        every = setInterval(() => ws.ping(), pingInterval);
      }, Math.random() * pingInterval);
      ws.on('close', () => {
        clearTimeout(first);
        clearInterval(every);
      });
    }
    let id;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.metadata.type === -2) {
        const answer = gs.waiting.get(m.metadata.id);
        gs.waiting.delete(m.metadata.id);
        answer?.(m);
        return;
      }
      if (id === undefined) {
        id = String(nextServer++);
        servers.set(id, gs);
      }
      ws.send(`{"metadata":{"type":-1,"id":${m.metadata.id}},"success":true}`);
    });
    ws.on('close', () => servers.delete(id));
  });
  server.on('request', (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([...servers.keys()].map((serverId) => ({ id: serverId }))));
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const gs = servers.get(body.serverId);
      if (gs === undefined) {
        res.writeHead(404).end();
        return;
      }
      const joinId = gs.nextJoin++;
      const sessionToken = randomBytes(24).toString('base64url');
      const conv = randomInt(1, 0x1_0000_0000);
      gs.waiting.set(joinId, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ip: '127.0.0.1', port: 37015, sessionToken, conv }));
      });
      gs.ws.send(
        JSON.stringify({
          metadata: { type: 2, id: joinId },
          username: body.username,
          clantag: body.clantag,
          sessionToken,
          conv,
        }),
      );
    });
  });
} else {
  throw new Error(`unknown baseline "${kind}"`);
}

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
});
const gc = gcPauses();
process.on('message', (message) => {
  if (message.cmd === 'close') process.exit(0);
  if (message.cmd === 'gc') process.send({ type: 'gc', ...gc.take() });
  if (message.cmd === 'cpu') {
    const cpu = process.cpuUsage();
    process.send({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000 });
  }
});
// The parent went away (it failed or was killed): so does this process.
process.on('disconnect', () => process.exit(0));
