// A game-server load generator, one process (forked, IPC). Its config comes as
// JSON in argv[2]:
//   { url, token, count, first, addresses: ['127.0.0.2', ...], perAddress,
//     mode: 'loop' | 'hold', changing, interval, udp }
// - loop: each connection sends its next registration as soon as the previous one
//   is answered (closed loop); `changing` alternates curPlayers so the info changes.
// - hold: each connection registers once, then again every `interval` ms (phases
//   spread), and answers join requests at once with success.
// Both answer Pings. With `udp`, each game server binds its game port (UDP, on its
// source address) and answers reachability probes there. Messages from the parent: 'snapshot' (counters and own CPU),
// 'stop'. It sends { type: 'ready', connected, failedConnects } once connected.
import { createSocket } from 'node:dgram';
import {
  CLOSE,
  connect,
  cpuMark,
  cpuShare,
  frameReader,
  maskedFrame,
  maskKeyOf,
  PING,
  PONG,
  pool,
  TEXT,
} from './raw-ws.js';

const config = JSON.parse(process.argv[2]);
const url = new URL(config.url);
const counters = { responses: 0, failed: 0, joins: 0, closed: 0, probes: 0 };
const PROBE = Buffer.from([0xff, 0xff, 0xff, 0xff, ...Buffer.from('MSPROBE1')]);
const REPLY = Buffer.from([0xff, 0xff, 0xff, 0xff, ...Buffer.from('MSREPLY1')]);

/** Binds the game port of game server `g` on `address` and answers probes there. */
function gamePort(g, address) {
  const socket = createSocket('udp4');
  socket.on('message', (datagram, from) => {
    if (datagram.length !== 28 || datagram.compare(PROBE, 0, 12, 0, 12) !== 0) return;
    counters.probes++;
    datagram.set(REPLY, 0);
    socket.send(datagram, from.port, from.address);
  });
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(1024 + g, address, () => resolve(socket));
  });
}
const sockets = [];
let running = true;

function registration(g, curPlayers) {
  return (
    `{"metadata":{"type":1,"id":${g + 1}},"info":{"name":"[NS] Bench ${g}","desc":"benchmark game server",` +
    `"port":${1024 + g},"map":"mp_forwardbase_kodai","playlist":"fd_regular","curPlayers":${curPlayers},` +
    `"maxPlayers":16,"gameState":1},"regToken":${JSON.stringify(config.token)}}`
  );
}

const JOIN_TYPE = Buffer.from('"type":2,');
const ID = /"id":(\d+)/;

function open(i) {
  const g = config.first + i;
  const maskKey = maskKeyOf(g);
  const frames = [maskedFrame(TEXT, registration(g, 3), maskKey)];
  if (config.changing) frames.push(maskedFrame(TEXT, registration(g, 4), maskKey));
  let sent = 0;
  let registered;
  const registeredOnce = new Promise((resolve) => {
    registered = resolve;
  });
  const address = config.addresses[Math.floor(i / config.perAddress) % config.addresses.length];
  const bound = config.udp ? gamePort(g, address) : Promise.resolve();
  return bound.then(() =>
    connect({ host: url.hostname, port: Number(url.port), path: url.pathname, localAddress: address }).then(
      ({ socket, rest }) => {
        const send = () => socket.write(frames[sent++ % frames.length]);
        const read = frameReader((opcode, buf, start, end) => {
          if (opcode === TEXT) {
            if (config.mode === 'hold' && buf.indexOf(JOIN_TYPE, start) >= 0 && buf.indexOf(JOIN_TYPE, start) < end) {
              const id = ID.exec(buf.toString('latin1', start, end))[1];
              socket.write(maskedFrame(TEXT, `{"metadata":{"type":-2,"id":${id}},"success":true}`, maskKey));
              counters.joins++;
              return;
            }
            // A success ends in `true}`; a failure in `}}` (its error object).
            if (buf[end - 2] === 0x65) counters.responses++;
            else counters.failed++;
            registered();
            if (config.mode === 'loop' && running) send();
          } else if (opcode === PING) {
            socket.write(maskedFrame(PONG, Buffer.from(buf.subarray(start, end)), maskKey));
          } else if (opcode === CLOSE) {
            socket.destroy();
          }
        });
        socket.on('data', read);
        socket.on('error', () => {});
        socket.on('close', () => {
          if (running) counters.closed++;
        });
        if (rest.length > 0) read(rest);
        sockets.push({ socket, send });
        if (config.mode === 'loop') return undefined;
        send();
        return registeredOnce.then(() => {
          const phase = Math.random() * config.interval;
          setTimeout(() => {
            if (!running) return;
            send();
            const timer = setInterval(() => (running ? send() : clearInterval(timer)), config.interval);
          }, phase);
        });
      },
    ),
  );
}

let failedConnects = 0;
let firstError;
await pool(config.count, 256, (i) =>
  open(i).catch((error) => {
    failedConnects++;
    firstError ??= error.message;
  }),
);
process.send({ type: 'ready', connected: sockets.length, failedConnects, firstError });
if (config.mode === 'loop') for (const { send } of sockets) send();

let mark = cpuMark();
process.on('message', (message) => {
  if (message === 'snapshot') {
    process.send({ type: 'snapshot', ...counters, cpu: cpuShare(mark) });
    mark = cpuMark();
  } else if (message === 'stop') {
    running = false;
    for (const { socket } of sockets) socket.destroy();
    process.exit(0);
  }
});
// The parent went away (it failed or was killed): so does this process.
process.on('disconnect', () => process.exit(0));
