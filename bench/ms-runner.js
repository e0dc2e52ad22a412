// The masterserver under test, in its own process (forked with --expose-gc, IPC).
// argv[2]: JSON of extra MasterServerOptions. Sends { type: 'ready', url }.
// Messages: { cmd: 'usage' } → memory after a full GC and CPU time so far;
// { cmd: 'cpu' } → CPU time so far; { cmd: 'delay' } → event-loop delay since the last one (ms; the first starts measuring); { cmd: 'populate', count } → lists `count` servers directly in the registry;
// { cmd: 'close' } → closes and exits.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MasterServer, toListedServer } from '@masterserver/server';

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

function populate(count) {
  for (let i = 0; i < count; i++) {
    const info = {
      name: `[NS] Server ${i}`,
      desc: 'A description of moderate length for the benchmark.',
      port: 20000 + (i % 40000),
      map: 'mp_forwardbase_kodai',
      playlist: 'fd_regular',
      curPlayers: i % 17,
      maxPlayers: 16 + (i % 2),
      gameState: 1,
    };
    ms.registry.put(toListedServer(`id${i}`, info, `10.0.${i >> 8}.${i & 255}`, 'bench'));
  }
}

// A 1 ms timer of its own: started by the first 'delay' (the join scenario's), so that the other scenarios measure
// the masterserver without it (the baselines have none).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

process.on('message', async (message) => {
  if (message.cmd === 'usage') {
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const cpu = process.cpuUsage();
    process.send({ type: 'usage', rss, heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, t: performance.now() });
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
  } else if (message.cmd === 'populate') {
    populate(message.count);
    process.send({ type: 'populated' });
  } else if (message.cmd === 'close') {
    await ms.close();
    process.exit(0);
  }
});
process.send({ type: 'ready', url });
// The parent went away (it failed or was killed): so does this process.
process.on('disconnect', () => process.exit(0));
