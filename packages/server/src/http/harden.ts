/**
 * The limits every HTTP server the masterserver serves on gets, whether it
 * made the server (`listen`) or was handed it (`attach`): the request, header
 * and keep-alive timeouts, the idle timeout, the header limits, JSON answers
 * to what the parser refuses, and a cap on the HTTP connections one client
 * IP may hold open at once.
 *
 * @module
 */

import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { normalizeIp } from '../net/addresses.js';
import { IpCounts } from '../net/ip-counts.js';
import { answerClientError, refuseRaw } from '../refusal/raw.js';
import { IdleSweep } from './idle-sweep.js';

/** The limits {@link hardenServer} applies. */
export interface ServerLimits {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  /** Milliseconds a connection may make no progress. */
  idleTimeout: number;
  maxHeaderSize: number;
  maxHeaders: number;
  /** HTTP connections one client IP may hold open at once; `0` is no limit. */
  maxHttpConnsPerIp: number;
  /** True for a trusted proxy: its connections carry many clients and are not capped. */
  isTrustedProxy(ip: string): boolean;
}

/** What {@link hardenServer} leaves to its caller. */
export interface HardenedServer {
  /** The server's HTTP connections open now (not those that became WebSockets). */
  connections(): IterableIterator<Socket>;
  /** Removes the listeners it added and stops the idle sweep. */
  undo(): void;
}

/** The IP a counted connection was counted under (cleared once it is no longer counted). */
const countedAs = Symbol('countedAs');
type Counted = Socket & { [countedAs]?: string | undefined };

/**
 * Applies `limits` to `server`, replacing Node.js's laxer defaults (a 60 s headers timeout, a 5 min
 * request timeout, no idle timeout).
 */
export function hardenServer(server: Server | TlsServer, limits: ServerLimits): HardenedServer {
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  // Read for every new connection (the constructor option only sets it first).
  (server as { maxHeaderSize?: number }).maxHeaderSize = limits.maxHeaderSize;
  // One more than the limit, so that the request handler can see that there were too many.
  server.maxHeadersCount = limits.maxHeaders + 1;
  // A connection that makes no progress (e.g. a client that stops reading its response) is destroyed: by a sweep
  // of the connections, not Node.js's timer per request (`server.timeout` stays 0).
  const idle = new IdleSweep(limits.idleTimeout);
  server.on('clientError', answerClientError);
  // Node.js answers a request without `Host` with an empty 400, and counts a `Host` beyond the headers it keeps
  // as missing: the masterserver checks `Host` itself, after the header count, and answers in JSON.
  (server as { requireHostHeader?: boolean }).requireHostHeader = false;

  const max = limits.maxHttpConnsPerIp;
  const open = new IpCounts();
  const release = (socket: Counted): void => {
    const ip = socket[countedAs];
    if (ip === undefined) return;
    socket[countedAs] = undefined;
    open.release(ip);
  };
  function closed(this: Counted): void {
    release(this);
  }
  const connected = (socket: Counted): void => {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    if (max !== 0 && !limits.isTrustedProxy(ip)) {
      if (open.of(ip) >= max) {
        refuseRaw(socket, 'TOO_MANY_CONNECTIONS');
        return;
      }
      open.add(ip);
      socket[countedAs] = ip;
      socket.on('close', closed);
    }
    idle.watch(socket);
  };
  // A connection that became a game server's WebSocket is counted by the gateway's own limits from then on, and
  // kept alive by its heartbeat.
  const upgraded = (_req: unknown, socket: Counted): void => {
    if (socket[countedAs] !== undefined) socket.off('close', closed);
    release(socket);
    idle.forget(socket);
  };
  // Plain HTTP counts TCP connections; HTTPS counts them once the TLS handshake is done (the handshake has its
  // own timeout), so that the refusal can be written in TLS.
  const event = 'setSecureContext' in server ? 'secureConnection' : 'connection';
  server.on(event, connected);
  server.on('upgrade', upgraded);
  return {
    connections: () => idle.sockets(),
    undo() {
      idle.stop();
      server.off('clientError', answerClientError);
      server.off(event, connected);
      server.off('upgrade', upgraded);
    },
  };
}
