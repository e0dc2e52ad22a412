import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { GameServerClient } from '@masterserver/sdk';
import { fetchRaw, postJson } from '@masterserver/testing';
import { type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { TOKEN } from './helpers.js';

/** A `masterserver serve` process under attack, with a well-behaved game server registered on it. */
export interface Target {
  serve: ServeProcess;
  /** The well-behaved game server (from 127.0.0.1; attackers use other loopback addresses). */
  good: GameServerClient;
  /** The process's resident memory now, in bytes. */
  rss(): number;
  /** `GET /v2/client/servers`, parsed. */
  list(): Promise<Array<{ id: string; name: string }>>;
  /** Checks that the list is served, the well-behaved server is listed on its first connection and gets a join. */
  assertServing(): Promise<void>;
  stop(): Promise<void>;
}

/** The name the well-behaved game server registers with. */
const GOOD_NAME = 'well-behaved';

/** Starts `masterserver serve` with `args` and registers a well-behaved game server on it. */
export async function startTarget(args: string[], registerInterval = 1000): Promise<Target> {
  const serve = await startServe(['--listen', '127.0.0.1:0', '--data-dir', tempDir(), '--reg-token', TOKEN, ...args]);
  const good = new GameServerClient({
    url: serve.wsUrl,
    regToken: TOKEN,
    info: { name: GOOD_NAME, port: 27015, map: 'mp_box', playlist: 'tdm', maxPlayers: 16 },
    registerInterval,
  });
  let connections = 0;
  good.on('connected', () => connections++);
  good.start();
  await good.whenRegistered();
  const pid = serve.child.pid as number;
  const list = async (): Promise<Array<{ id: string; name: string }>> => {
    const response = await fetchRaw(`${serve.url}/v2/client/servers`);
    assert.equal(response.status, 200, response.text);
    return response.json as Array<{ id: string; name: string }>;
  };
  return {
    serve,
    good,
    rss() {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return Number(kb) * 1024;
    },
    list,
    async assertServing() {
      const listed = (await list()).find((s) => s.name === GOOD_NAME);
      assert.ok(listed !== undefined, 'the well-behaved game server is listed');
      const join = await postJson(`${serve.url}/v2/client/join`, {
        serverId: listed.id,
        username: 'Viper',
        clantag: '',
      });
      assert.equal(join.status, 200, `the well-behaved game server gets its join: ${join.text}`);
      assert.equal(connections, 1, 'the well-behaved game server never had to reconnect');
    },
    async stop() {
      await good.close();
      await serve.stop();
    },
  };
}

/** The opening request of a WebSocket handshake to `/v2/server/ws`, without the blank line that ends it. */
export function upgradeHead(extra = ''): string {
  return (
    'GET /v2/server/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}`
  );
}

/** A TCP connection to `url`'s host and port from `localAddress`, connected. */
export function tcp(url: string, localAddress: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends `request` and resolves everything the server sent until it closed the connection. */
export async function exchange(url: string, request: string, localAddress = '127.0.0.1'): Promise<string> {
  const socket = await tcp(url, localAddress);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the response within 15 s: ${Buffer.concat(chunks).toString()}`));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(request);
  });
}

/** The status and the close frames (code, reason) a server sent on an upgraded connection. */
export function parseUpgraded(data: Buffer): { status: number; closes: Array<{ code: number; reason: string }> } {
  const end = data.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data.subarray(0, Math.max(end, 0)).toString('latin1'))?.[1] ?? 0);
  const closes: Array<{ code: number; reason: string }> = [];
  let at = end + 4;
  while (status === 101 && at + 2 <= data.length) {
    const opcode = (data[at] as number) & 0x0f;
    const length = (data[at + 1] as number) & 0x7f; // the MS only sends short control frames to these peers
    const payload = data.subarray(at + 2, at + 2 + length);
    if (opcode === 8 && payload.length >= 2) {
      closes.push({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') });
    }
    at += 2 + length;
  }
  return { status, closes };
}
