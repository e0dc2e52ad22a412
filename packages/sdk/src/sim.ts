/**
 * Simulated game servers, for demos and load tests: each is a real
 * {@link GameServerClient} on its own connection, accepting joins until full,
 * with its game port bound on UDP to answer the reachability probe.
 * `masterserver gs-sim` is a thin command line around this.
 *
 * @module
 */

import type { Socket } from 'node:dgram';
import { INT32_MAX, type ResponseError } from '@masterserver/protocol';
import type { BackoffOptions } from './backoff.js';
import { GameServerClient } from './client.js';
import { TypedEmitter } from './emitter.js';
import { checkMs, OptionError } from './errors.js';
import type { DisconnectInfo, StopInfo } from './events.js';
import { bindGamePort, type GamePortError, localAddressToward } from './game-port.js';
import { acceptJoin, JoinErrorType, rejectJoin } from './join.js';
import { loopbackSpread } from './loopback.js';
import { answerProbes } from './probe.js';
import type { Transport } from './transport.js';
import { WsTransport } from './ws-transport.js';

/** Options of {@link Simulation}. `url` and `regToken` are required. */
export interface SimulationOptions {
  /** The MS's WebSocket endpoint, e.g. `ws://127.0.0.1:8080/v2/server/ws`. */
  url: string;
  /** The registration token. */
  regToken: string;
  /** How many servers, each its own connection. Default `1`. */
  count?: number | undefined;
  /** Server names are `PREFIX-1`, `PREFIX-2`, …. Default `"sim"`. */
  namePrefix?: string | undefined;
  /** Game ports are `basePort`, `basePort + 1`, …. Default `37015`. */
  basePort?: number | undefined;
  /** Each server's `maxPlayers`; joins beyond it are rejected. Default `16`. */
  maxPlayers?: number | undefined;
  /** Milliseconds between each server's registrations. Default `10000`. */
  registerInterval?: number | undefined;
  /** Reject every join instead of accepting until full. Default `false`. */
  rejectJoins?: boolean | undefined;
  /**
   * Bind each server's game port on UDP before it registers, on the address it reaches the MS from (its
   * source address, else the one the OS routes to the MS from), and answer the reachability probe there. A
   * server whose port cannot be bound is not started (`notStarted`). `false` binds nothing, so every server
   * fails the probe. Default `true`.
   */
  udp?: boolean | undefined;
  /** Source addresses, used in turn. Default: {@link loopbackSpread} of `url` and `count`. */
  localAddresses?: readonly string[] | undefined;
  /** Reconnect backoff of every server. Default: the client's (`{ initial: 1000, max: 30000, factor: 2 }`). */
  backoff?: BackoffOptions | undefined;
  /** Connections started per second while starting up; `0` starts all at once. Default `2000`. */
  connectRate?: number | undefined;
  /** Makes the transport of server `index` (from 0). Default: a {@link WsTransport} from `localAddress`. */
  transport?: ((index: number, localAddress: string | undefined) => Transport) | undefined;
}

/** The defaults of {@link SimulationOptions}. */
export const defaultSimulation = {
  count: 1,
  namePrefix: 'sim',
  basePort: 37015,
  maxPlayers: 16,
  registerInterval: 10_000,
  connectRate: 2_000,
} as const;

/** One simulated server. */
export interface SimulatedServer {
  /** `PREFIX-N`. */
  readonly name: string;
  /** Its game port. */
  readonly port: number;
  /** Its game port's UDP socket, while bound (never with `udp: false`). */
  readonly socket: Socket | undefined;
  /** Its client. */
  readonly client: GameServerClient;
  /** Joins accepted so far (its `curPlayers`). */
  readonly players: number;
}

/** How the simulated servers are doing. */
export interface SimulationCounts {
  servers: number;
  /** Connecting, or waiting to reconnect. */
  connecting: number;
  /** With an open connection (registered or not). */
  connected: number;
  /** Listed. */
  registered: number;
  /** Connected, but the last registration was refused. */
  failed: number;
  /** Not running: stopped by the MS (`4005`, `4011`), or never started (the game port could not be bound). */
  stopped: number;
  joinsAccepted: number;
  joinsRejected: number;
  /** Connections closed or failed, in all. */
  disconnects: number;
}

/** The events of a {@link Simulation}. */
export interface SimulationEvents {
  /** Every server was registered at the same time, for the first time; `ms` after {@link Simulation.start}. */
  allRegistered: { ms: number };
  /** A server's registration was refused. */
  registrationFailed: { name: string; error: ResponseError };
  /** A server's connection closed or failed. */
  disconnected: { name: string; info: DisconnectInfo };
  /** A server was not started: its game port could not be bound (the error's message names it). */
  notStarted: { name: string; port: number; error: GamePortError };
  /** The MS stopped a server for good (`4005` superseded, `4011` banned); it is not reconnected. */
  stopped: { name: string; port: number; info: StopInfo };
  /** No server is left running: each was stopped or never started (not after {@link Simulation.close}). */
  allStopped: { servers: number };
}

type ServerState = 'connecting' | 'connected' | 'registered' | 'failed' | 'idle' | 'stopped';

interface Server {
  name: string;
  port: number;
  /** The source address of its connection, if one is set. */
  localAddress: string | undefined;
  client: GameServerClient;
  players: number;
  state: ServerState;
  socket: Socket | undefined;
  /** Settles when its game port is bound or could not be. */
  binding: Promise<void> | undefined;
}

function count(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(option, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** `count` simulated game servers against one MS. */
export class Simulation extends TypedEmitter<SimulationEvents> {
  readonly #servers: Server[] = [];
  readonly #connectRate: number;
  readonly #tally: Record<ServerState, number> = {
    connecting: 0,
    connected: 0,
    registered: 0,
    failed: 0,
    idle: 0,
    stopped: 0,
  };
  readonly #udp: boolean;
  readonly #url: string;
  #joinsAccepted = 0;
  #joinsRejected = 0;
  #disconnects = 0;
  #started = false;
  #startedAt = 0;
  #allRegistered = false;
  #starter: ReturnType<typeof setInterval> | undefined;
  #closing: Promise<void> | undefined;

  /** Checks the options (throws {@link OptionError}) and creates the clients; nothing connects before {@link start}. */
  constructor(options: SimulationOptions) {
    super();
    const d = defaultSimulation;
    const total = count('count', options.count ?? d.count, 1, 1_000_000);
    const prefix = options.namePrefix ?? d.namePrefix;
    if (typeof prefix !== 'string' || prefix === '') throw new OptionError('namePrefix', 'must be a non-empty string');
    const basePort = count('basePort', options.basePort ?? d.basePort, 1, 65535);
    if (basePort + total - 1 > 65535) {
      throw new OptionError('basePort', `${basePort} + ${total} servers goes past port 65535`);
    }
    const maxPlayers = count('maxPlayers', options.maxPlayers ?? d.maxPlayers, 0, INT32_MAX);
    const registerInterval = checkMs('registerInterval', options.registerInterval ?? d.registerInterval);
    this.#connectRate = count('connectRate', options.connectRate ?? d.connectRate, 0, 1_000_000);
    this.#udp = options.udp ?? true;
    this.#url = options.url;
    const addresses = options.localAddresses ?? loopbackSpread(options.url, total);
    // One transport per source address (undefined: the OS picks).
    const transports = new Map<string | undefined, Transport>();
    const transportFor = (localAddress: string | undefined): Transport => {
      let transport = transports.get(localAddress);
      if (transport === undefined) {
        transport = new WsTransport(localAddress === undefined ? {} : { localAddress });
        transports.set(localAddress, transport);
      }
      return transport;
    };
    for (let i = 0; i < total; i++) {
      const localAddress =
        addresses === undefined || addresses.length === 0 ? undefined : addresses[i % addresses.length];
      const transport = options.transport?.(i, localAddress) ?? transportFor(localAddress);
      const name = `${prefix}-${i + 1}`;
      const port = basePort + i;
      const client = new GameServerClient({
        url: options.url,
        regToken: options.regToken,
        info: { name, desc: 'simulated game server', port, map: 'mp_sim', playlist: 'sim', maxPlayers },
        registerInterval,
        backoff: options.backoff,
        transport,
        onJoin: () => {
          if (options.rejectJoins === true) return rejectJoin(JoinErrorType.REFUSED, 'this server rejects every join');
          if (server.players >= maxPlayers) {
            return rejectJoin(JoinErrorType.SERVER_FULL, `the server is full (${server.players}/${maxPlayers})`);
          }
          // The slot is taken now, so that joins decided meanwhile see it; the list hears of it after the answer.
          server.players++;
          return acceptJoin();
        },
      });
      const server: Server = {
        name,
        port,
        localAddress,
        client,
        players: 0,
        state: 'idle',
        socket: undefined,
        binding: undefined,
      };
      this.#watch(server);
      this.#servers.push(server);
    }
    this.#tally.idle = total;
  }

  /** The servers, in order. */
  get servers(): readonly SimulatedServer[] {
    return this.#servers;
  }

  /**
   * Starts every server, at most `connectRate` per second: binds its game port (unless `udp: false`), then
   * connects. With UDP the first server starts once the OS has said which address reaches the MS.
   */
  start(): this {
    if (this.#started || this.#closing !== undefined) return this;
    this.#started = true;
    this.#startedAt = Date.now();
    if (!this.#udp) {
      this.#startAll(undefined);
      return this;
    }
    const needsRoute = this.#servers.some((server) => server.localAddress === undefined);
    void (needsRoute ? localAddressToward(this.#url) : Promise.resolve(undefined)).then((host) => {
      if (this.#closing === undefined) this.#startAll(host);
    });
    return this;
  }

  /** Starts the servers at `connectRate`; `routeHost` is the game ports' address for servers without a source address. */
  #startAll(routeHost: string | undefined): void {
    const launch = (server: Server): void => {
      if (this.#udp) this.#bindAndStart(server, server.localAddress ?? routeHost);
      else server.client.start();
    };
    if (this.#connectRate === 0) {
      for (const server of this.#servers) launch(server);
      return;
    }
    const tickMs = 50;
    const perTick = Math.max(1, Math.ceil((this.#connectRate * tickMs) / 1000));
    let next = 0;
    const startSome = (): void => {
      const end = Math.min(this.#servers.length, next + perTick);
      for (; next < end; next++) {
        const server = this.#servers[next];
        if (server !== undefined) launch(server);
      }
      if (next >= this.#servers.length) {
        clearInterval(this.#starter);
        this.#starter = undefined;
      }
    };
    this.#starter = setInterval(startSome, tickMs);
    startSome();
  }

  #bindAndStart(server: Server, host: string | undefined): void {
    server.binding = bindGamePort({ port: server.port, host }).then(
      (socket) => {
        if (this.#closing !== undefined) {
          socket.close();
          return;
        }
        server.socket = socket;
        answerProbes(socket);
        server.client.start();
      },
      (error: GamePortError) => {
        if (this.#closing !== undefined) return;
        this.#setState(server, 'stopped');
        this.emit('notStarted', { name: server.name, port: server.port, error });
        this.#checkAllStopped();
      },
    );
  }

  /** How the servers are doing now. */
  counts(): SimulationCounts {
    const t = this.#tally;
    return {
      servers: this.#servers.length,
      connecting: t.connecting,
      connected: t.connected + t.registered + t.failed,
      registered: t.registered,
      failed: t.failed,
      stopped: t.stopped,
      joinsAccepted: this.#joinsAccepted,
      joinsRejected: this.#joinsRejected,
      disconnects: this.#disconnects,
    };
  }

  /**
   * Closes every server (1000, so the MS delists them at once) and its game port; resolves when all
   * connections and sockets are gone.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#starter);
      const closeServer = async (server: Server): Promise<void> => {
        await server.client.close();
        this.#closeSocket(server);
      };
      // A port still being bound is closed once bound; every other server starts closing now.
      await Promise.all(
        this.#servers.map((server) =>
          server.binding === undefined ? closeServer(server) : server.binding.then(() => closeServer(server)),
        ),
      );
    })();
    return this.#closing;
  }

  #closeSocket(server: Server): void {
    server.socket?.close();
    server.socket = undefined;
  }

  #setState(server: Server, state: ServerState): void {
    this.#tally[server.state]--;
    this.#tally[state]++;
    server.state = state;
  }

  #checkAllStopped(): void {
    if (this.#closing === undefined && this.#tally.stopped === this.#servers.length) {
      this.emit('allStopped', { servers: this.#servers.length });
    }
  }

  #watch(server: Server): void {
    const { client, name } = server;
    client.on('status', (status) => {
      const state =
        status.state === 'reconnecting'
          ? 'connecting'
          : status.state === 'closed'
            ? 'idle'
            : status.state === 'connected' && status.registrationError !== undefined
              ? 'failed'
              : status.state;
      this.#setState(server, state);
      if (state === 'registered' && !this.#allRegistered && this.#tally.registered === this.#servers.length) {
        this.#allRegistered = true;
        this.emit('allRegistered', { ms: Date.now() - this.#startedAt });
      }
    });
    client.on('registrationFailed', (error) => this.emit('registrationFailed', { name, error }));
    client.on('disconnected', (info) => {
      this.#disconnects++;
      this.emit('disconnected', { name, info });
    });
    client.on('stopped', (info) => {
      this.#closeSocket(server);
      this.emit('stopped', { name, port: server.port, info });
      this.#checkAllStopped();
    });
    client.on('join', (event) => {
      if (!event.accepted) {
        this.#joinsRejected++;
        return;
      }
      this.#joinsAccepted++;
      client.update({ curPlayers: server.players }, { now: true });
    });
  }
}
