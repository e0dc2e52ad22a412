// The baselines, each in its own process (forked, IPC): argv[2] names one.
// - ws: a minimal `ws` server that JSON.parses each message and answers a fixed
//   general response (the request's id echoed).
// - http: a node:http server answering a constant buffer with the headers the
//   masterserver sent (argv[3]: JSON { plain, gzip } file paths and { headers,
//   gzipHeaders, notModifiedHeaders }), 304 on a matching If-None-Match.
// Sends { type: 'ready', url }; answers 'cpu' with its CPU time; exits on 'close'.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

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
  const spec = JSON.parse(process.argv[3]);
  const plain = readFileSync(spec.plain);
  const gzip = readFileSync(spec.gzip);
  const etag = spec.headers.etag;
  server.on('request', (req, res) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, spec.notModifiedHeaders);
      res.end();
    } else if ((req.headers['accept-encoding'] ?? '').includes('gzip')) {
      res.writeHead(200, spec.gzipHeaders);
      res.end(gzip);
    } else {
      res.writeHead(200, spec.headers);
      res.end(plain);
    }
  });
} else {
  throw new Error(`unknown baseline "${kind}"`);
}

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
});
process.on('message', (message) => {
  if (message.cmd === 'close') process.exit(0);
  if (message.cmd === 'cpu') {
    const cpu = process.cpuUsage();
    process.send({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000 });
  }
});
// The parent went away (it failed or was killed): so does this process.
process.on('disconnect', () => process.exit(0));
