// A registration load generator: CONNECTIONS game servers, each sending its next
// registration as soon as the previous one is answered, for DURATION_MS.
// Usage: node load-ws.js URL TOKEN CONNECTIONS DURATION_MS [churn]
// With "churn", curPlayers changes on every registration (the listing changes).
import WebSocket from 'ws';

const [url, token, connectionsText, durationText, mode] = process.argv.slice(2);
const connections = Number(connectionsText);
const duration = Number(durationText);
let answered = 0;
let failed = 0;

function registration(i, id) {
  const curPlayers = mode === 'churn' ? id % 16 : 3;
  return (
    `{"metadata":{"type":1,"id":${id}},"info":{"name":"[NS] Load ${i}","desc":"load test","port":${20000 + i},` +
    `"map":"mp_forwardbase_kodai","playlist":"fd_regular","curPlayers":${curPlayers},"maxPlayers":16,"gameState":1},` +
    `"regToken":${JSON.stringify(token)}}`
  );
}

const sockets = await Promise.all(
  Array.from(
    { length: connections },
    (_, i) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.once('open', () => resolve({ ws, i }));
        ws.once('error', reject);
      }),
  ),
);
let running = true;
const start = performance.now();
for (const { ws, i } of sockets) {
  let id = 1;
  ws.on('message', (data) => {
    if (data.toString().includes('"success":true')) answered++;
    else failed++;
    if (running) ws.send(registration(i, ++id));
  });
  ws.send(registration(i, id));
}
await new Promise((resolve) => setTimeout(resolve, duration));
running = false;
const seconds = (performance.now() - start) / 1000;
for (const { ws } of sockets) ws.terminate();
console.log(JSON.stringify({ rps: answered / seconds, failed }));
