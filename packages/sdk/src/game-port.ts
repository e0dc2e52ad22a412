/**
 * The game's UDP port: bound before the server registers, so that a port that
 * belongs to another process (perhaps another game server) stops the server
 * with one line naming the port instead of two servers taking one listing from
 * each other (docs/protocol.md#reachability).
 *
 * @module
 */

import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';

/** The game port could not be bound: in use by another process, or not an address of this host. */
export class GamePortError extends Error {
  /** Stable code. */
  readonly code = 'GAME_PORT_UNAVAILABLE';
  /** The port. */
  readonly port: number;
  /** The address it was to be bound on; `undefined` for every address. */
  readonly host: string | undefined;
  constructor(port: number, host: string | undefined, cause: Error) {
    const where = host === undefined ? `udp ${port}` : `udp ${isIPv6(host) ? `[${host}]` : host}:${port}`;
    super(
      (cause as { code?: unknown }).code === 'EADDRINUSE'
        ? `game port ${where} is in use by another process, perhaps another game server`
        : `cannot bind game port ${where}: ${cause.message}`,
      { cause },
    );
    this.name = 'GamePortError';
    this.port = port;
    this.host = host;
  }
}

/** Options of {@link bindGamePort}. */
export interface GamePortOptions {
  /** The game's UDP port, the one it registers as `info.port`. */
  port: number;
  /** The local address to bind. Default: every IPv4 address (`0.0.0.0`). */
  host?: string | undefined;
}

/**
 * Binds a UDP socket to the game port (IPv6 when `host` is an IPv6 address), without sharing it: a port
 * another process holds is refused. Rejects with a {@link GamePortError} whose message names the port.
 */
export function bindGamePort(options: GamePortOptions): Promise<Socket> {
  const { port, host } = options;
  const socket = createSocket({ type: host !== undefined && isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
  return new Promise<Socket>((resolve, reject) => {
    const failed = (error: Error): void => {
      socket.close();
      reject(new GamePortError(port, host, error));
    };
    socket.once('error', failed);
    try {
      socket.bind({ port, address: host, exclusive: true }, () => {
        socket.off('error', failed);
        resolve(socket);
      });
    } catch (error) {
      failed(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * The local address this host reaches the MS at `url` from: the source address the OS routes connections to
 * it from, which is the address the MS lists, so the one to bind the game port on. Asks the OS by
 * connecting a UDP socket (nothing is sent). `undefined` when the host name does not resolve.
 */
export async function localAddressToward(url: string): Promise<string | undefined> {
  let target: { host: string; port: number };
  try {
    const parsed = new URL(url);
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    target = { host, port: Number(parsed.port) || (parsed.protocol === 'wss:' ? 443 : 80) };
  } catch {
    return undefined;
  }
  let socket: Socket | undefined;
  try {
    const { address, family } = await lookup(target.host);
    const udp = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.connect(target.port, address, () => resolve());
    });
    return udp.address().address;
  } catch {
    return undefined;
  } finally {
    socket?.close();
  }
}
