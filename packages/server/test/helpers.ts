import { fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { MasterServer, type MasterServerOptions } from '../src/index.js';

/** The registration token every test MS accepts. */
export const TOKEN = 'test-token';

/** A running MS on a free port of 127.0.0.1, with helpers around it. */
export interface TestMs {
  ms: MasterServer;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/v2/server/ws` */
  wsUrl: string;
  /** Connects a scripted game server (with {@link TOKEN}). */
  connect(token?: string): Promise<TestGameServer>;
  /** `GET /v2/client/servers`, parsed. */
  list(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * Starts an MS with `options` (the registration rate limit and the reachability probe off unless given:
 * the probe's own tests turn it on).
 */
export async function startMs(options: MasterServerOptions = {}): Promise<TestMs> {
  const ms = new MasterServer({ regTokens: [TOKEN], registrationRate: null, verifyReachability: 'off', ...options });
  const url = await ms.listen({ host: '127.0.0.1', port: 0 });
  const wsUrl = `${url.replace('http', 'ws')}/v2/server/ws`;
  const opened: TestGameServer[] = [];
  return {
    ms,
    url,
    wsUrl,
    async connect(token = TOKEN) {
      const gs = await TestGameServer.connect(wsUrl, token);
      opened.push(gs);
      return gs;
    },
    async list() {
      const res = await fetchRaw(`${url}/v2/client/servers`);
      if (res.status !== 200) throw new Error(`list answered ${res.status}: ${res.text}`);
      return res.json as Array<Record<string, unknown>>;
    },
    async close() {
      for (const gs of opened) gs.socket.destroy();
      await ms.close();
    },
  };
}

/**
 * Resolves once the MS at `wsUrl` accepts `token`: a registration with it is refused for its info (error 2)
 * instead of for the token (error 1). Each try is a connection of its own, so that no connection collects
 * failures, and nothing is ever listed.
 */
export async function tokenAccepted(wsUrl: string, token: string): Promise<void> {
  await waitFor(`${wsUrl} accepts the token`, async () => {
    const probe = await TestGameServer.connect(wsUrl, token);
    try {
      return ((await probe.register({ name: '' })).value.error as { type: number } | undefined)?.type === 2;
    } finally {
      probe.socket.destroy();
    }
  });
}
