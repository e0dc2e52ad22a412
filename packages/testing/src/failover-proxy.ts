/**
 * A TCP load balancer for tests: each new connection goes to the first
 * backend that accepts it, in order, so that clients of a dead backend land on
 * the next one when they reconnect. Its connections can also be cut silently.
 *
 * @module
 */

import { connect, createServer, type Server, type Socket } from 'node:net';

/** A backend address. */
export interface Backend {
  host: string;
  port: number;
}

/** A TCP proxy that fails over between backends. */
export class FailoverProxy {
  readonly #server: Server;
  readonly #sockets: Set<Socket>;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;

  private constructor(server: Server, sockets: Set<Socket>, port: number) {
    this.#server = server;
    this.#sockets = sockets;
    this.port = port;
  }

  /** Starts the proxy on a free port of 127.0.0.1 in front of `backends`. */
  static async start(backends: readonly Backend[]): Promise<FailoverProxy> {
    const sockets = new Set<Socket>();
    const track = (socket: Socket): void => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    };
    const server = createServer((client) => {
      track(client);
      client.on('error', () => {});
      client.pause();
      const attempt = (index: number): void => {
        const backend = backends[index];
        if (backend === undefined) {
          client.destroy();
          return;
        }
        const upstream = connect(backend.port, backend.host);
        const refused = (): void => {
          upstream.destroy();
          attempt(index + 1);
        };
        upstream.once('error', refused);
        upstream.once('connect', () => {
          upstream.off('error', refused);
          track(upstream);
          upstream.on('error', () => client.destroy());
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
      };
      attempt(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no address');
    return new FailoverProxy(server, sockets, address.port);
  }

  /**
   * Silences every open connection the way a dead network does: nothing more
   * is forwarded or read either way, and no socket is closed, so neither end
   * gets a FIN or an RST. New connections are still forwarded.
   */
  cut(): void {
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /** Stops accepting and drops every connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
