import type { Server } from '../src/types.js';

/** A listed server for the page's tests: `id`, named `server ID`, with `overrides`. */
export function testServer(id: string, overrides: Partial<Server> = {}): Server {
  return {
    id,
    name: `server ${id}`,
    desc: '',
    map: 'm',
    playlist: 'p',
    curPlayers: 0,
    maxPlayers: 16,
    hasPassword: false,
    gameState: 0,
    reachable: null,
    ...overrides,
  };
}
