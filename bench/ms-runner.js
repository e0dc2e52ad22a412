// The masterserver under test, in its own process (forked with --expose-gc, IPC).
// argv[2]: JSON of extra MasterServerOptions. Sends { type: 'ready', url }.
// Messages: { cmd: 'usage' } → memory after a full GC and CPU time so far;
// { cmd: 'cpu' } → CPU time so far; { cmd: 'delay' } → event-loop delay since the last one (ms; the first starts measuring); { cmd: 'populate', count, varied } → lists `count` servers directly in the registry (`varied`: over several maps, playlists, states, fill levels, passwords and reachability, for filters);
// { cmd: 'churn', perSecond } → from now on changes the player count of `perSecond` listed servers a second (0 stops);
// { cmd: 'constant', spec } → starts the `http` baseline's constant server (constant-http.js) in this process too, and
// answers { type: 'constant', url }: the same answer bytes from the same process, without the masterserver's code;
// { cmd: 'close' } → closes and exits.
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { MasterServer } from '@masterserver/server';
// Listings made directly (without game servers): the registry's own helpers, from the build.
import { publicServerJson, toListedServer } from '../packages/server/dist/src/registry/registry.js';
import { constantAnswer } from './constant-http.js';
import { gcPauses } from './gc-pauses.js';
import { VARIED_MAPS, VARIED_PLAYLISTS } from './lib.js';

const ms = new MasterServer({
  regTokens: ['bench-token'],
  registrationRate: null,
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  maxHttpConnsPerIp: 0,
  maxServers: 0,
  webRoot: null,
  ...JSON.parse(process.argv[2] ?? '{}'),
});
const url = await ms.listen({ host: '127.0.0.1', port: 0 });

function populate(count, varied) {
  for (let i = 0; i < count; i++) {
    const info = {
      name: `[NS] Server ${i}`,
      desc: 'A description of moderate length for the benchmark.',
      port: 20000 + (i % 40000),
      map: varied ? VARIED_MAPS[i % VARIED_MAPS.length] : 'mp_forwardbase_kodai',
      playlist: varied ? VARIED_PLAYLISTS[(i >> 3) % VARIED_PLAYLISTS.length] : 'fd_regular',
      curPlayers: i % 17,
      maxPlayers: 16 + (i % 2),
      gameState: varied ? i % 4 : 1,
      ...(varied && i % 10 === 0 ? { password: 'secret' } : {}),
    };
    const reachable = varied ? [true, true, false, null][i % 4] : null;
    ms.registry.put(toListedServer(`id${i}`, info, `10.0.${i >> 8}.${i & 255}`, 'bench', reachable));
  }
}

let churn;
/** The constant server of the `constant` command, once started. */
let constant;
/** Changes the player count of `perSecond` servers a second, in ten steps, as re-registrations would. */
function startChurn(perSecond) {
  clearInterval(churn);
  if (perSecond <= 0) return;
  let next = 0;
  const ids = [...ms.registry.values()].map((server) => server.id);
  churn = setInterval(() => {
    for (let i = 0; i < Math.ceil(perSecond / 10) && ids.length > 0; i++) {
      const old = ms.registry.get(ids[next++ % ids.length]);
      if (old === undefined) continue;
      const curPlayers = (old.curPlayers + 1) % (old.maxPlayers + 1);
      const fields = { ...old, curPlayers };
      ms.registry.put({ ...fields, json: publicServerJson(fields) });
    }
  }, 100);
}

// GC pauses, by kind, from the first 'gc' command to the next (the join scenario's window).
const gc = gcPauses();

// A timer of its own, every 10 ms (as prom-client's event-loop lag): started by the first 'delay' (the join
// scenario's), so that the other scenarios measure the masterserver without it (the baselines have none). Each sample
// is a delay measured to the nanosecond; 10 ms apart, they still catch every stall longer than that, without waking
// the process a thousand times a second during the joins (1 ms did, and the baseline had no such timer).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

process.on('message', async (message) => {
  if (message.cmd === 'usage') {
    if (message.gc !== false) for (let i = 0; i < 3; i++) globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const cpu = process.cpuUsage();
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    );
    process.send({
      type: 'usage',
      rss,
      heapUsed,
      heapTotal,
      external,
      arrayBuffers,
      spaces,
      cpuMs: (cpu.user + cpu.system) / 1000,
      t: performance.now(),
    });
  } else if (message.cmd === 'cpu') {
    const cpu = process.cpuUsage();
    process.send({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (message.cmd === 'delay') {
    const ms = (ns) => ns / 1e6;
    process.send({
      type: 'delay',
      p50: ms(loopDelay.percentile(50)),
      p99: ms(loopDelay.percentile(99)),
      max: ms(loopDelay.max),
    });
    loopDelay.reset();
    loopDelay.enable();
  } else if (message.cmd === 'gc') {
    process.send({ type: 'gc', ...gc.take() });
  } else if (message.cmd === 'populate') {
    populate(message.count, message.varied === true);
    process.send({ type: 'populated' });
  } else if (message.cmd === 'churn') {
    startChurn(message.perSecond);
    process.send({ type: 'churning' });
  } else if (message.cmd === 'constant') {
    constant?.close();
    constant = createServer(constantAnswer(message.spec));
    constant.listen(0, '127.0.0.1', () =>
      process.send({ type: 'constant', url: `http://127.0.0.1:${constant.address().port}` }),
    );
  } else if (message.cmd === 'close') {
    constant?.close();
    await ms.close();
    process.exit(0);
  }
});
process.send({ type: 'ready', url });
// The parent went away (it failed or was killed): so does this process.
process.on('disconnect', () => process.exit(0));
