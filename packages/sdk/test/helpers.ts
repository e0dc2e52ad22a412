/** Shared set-up of the client unit tests: a client on a fake transport, with its events recorded. */

import { mock } from 'node:test';
import { GameServerClient, type GameServerClientEvents, type GameServerClientOptions } from '../src/index.js';
import { FakeTransport } from './fake-transport.js';

/** The fake clock starts here (ms since the epoch). */
export const T0 = 1_700_000_000_000;

/** Fakes setTimeout, setInterval and Date, starting at {@link T0}. */
export function fakeTimers(): void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: T0 });
}

/** Restores the real timers. */
export function realTimers(): void {
  mock.timers.reset();
}

/** Moves the fake clock forward by `ms`, running every timer due, then lets promise callbacks run. */
export async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await flush();
}

/** Lets pending promise callbacks run (setImmediate is not faked). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Milliseconds on the fake clock since {@link T0}. */
export const elapsed = (): number => Date.now() - T0;

type Recorded = {
  [K in keyof GameServerClientEvents]: [K, GameServerClientEvents[K], number];
}[keyof GameServerClientEvents];

/** A started client on a fake transport; `events` records every event with its fake time. */
export function setup(overrides: Partial<GameServerClientOptions> = {}): {
  client: GameServerClient;
  transport: FakeTransport;
  events: Recorded[];
  named: <K extends keyof GameServerClientEvents>(name: K) => Array<GameServerClientEvents[K]>;
} {
  const transport = new FakeTransport();
  const client = new GameServerClient({
    url: 'ws://ms.test/v2/server/ws',
    regToken: 'secret',
    info: { name: 'unit', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
    registerInterval: 10_000,
    backoff: { initial: 1000, max: 8000, factor: 2 },
    random: () => 0.5,
    transport,
    ...overrides,
  });
  const events: Recorded[] = [];
  const names: Array<keyof GameServerClientEvents> = [
    'status',
    'connecting',
    'connected',
    'registered',
    'registrationFailed',
    'disconnected',
    'stopped',
    'join',
  ];
  for (const name of names) {
    client.on(name, ((payload: unknown) => events.push([name, payload, elapsed()] as Recorded)) as never);
  }
  const named = <K extends keyof GameServerClientEvents>(name: K): Array<GameServerClientEvents[K]> =>
    events.filter((event) => event[0] === name).map((event) => event[1] as GameServerClientEvents[K]);
  return { client, transport, events, named };
}
