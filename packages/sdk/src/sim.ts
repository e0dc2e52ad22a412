/**
 * Simulated game servers, for demos and load tests: each is a real
 * {@link GameServerClient} on its own connection, accepting joins until full.
 * `masterserver gs-sim` is a thin command line around this.
 *
 * @module
 */

import type { ResponseError } from '@masterserver/protocol';
import type { BackoffOptions } from './backoff.js';
import { GameServerClient } from './client.js';
import { TypedEmitter } from './emitter.js';
import { checkMs, OptionError } from './errors.js';
import type { DisconnectInfo } from './events.js';
import { acceptJoin, JoinErrorType, rejectJoin } from './join.js';
import { loopbackSpread } from './loopback.js';
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
}

interface Server {
  name: string;
  port: number;
  client: GameServerClient;
  players: number;
  state: 'connecting' | 'connected' | 'registered' | 'failed' | 'idle';
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
  readonly #tally = { connecting: 0, connected: 0, registered: 0, failed: 0, idle: 0 };
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
    const maxPlayers = count('maxPlayers', options.maxPlayers ?? d.maxPlayers, 0, 2147483647);
    const registerInterval = checkMs('registerInterval', options.registerInterval ?? d.registerInterval);
    this.#connectRate = count('connectRate', options.connectRate ?? d.connectRate, 0, 1_000_000);
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
      const server: Server = { name, port, client, players: 0, state: 'idle' };
      this.#watch(server);
      this.#servers.push(server);
    }
    this.#tally.idle = total;
  }

  /** The servers, in order. */
  get servers(): readonly SimulatedServer[] {
    return this.#servers;
  }

  /** Starts every server, at most `connectRate` per second. */
  start(): this {
    if (this.#started || this.#closing !== undefined) return this;
    this.#started = true;
    this.#startedAt = Date.now();
    if (this.#connectRate === 0) {
      for (const server of this.#servers) server.client.start();
      return this;
    }
    const tickMs = 50;
    const perTick = Math.max(1, Math.ceil((this.#connectRate * tickMs) / 1000));
    let next = 0;
    const startSome = (): void => {
      const end = Math.min(this.#servers.length, next + perTick);
      for (; next < end; next++) this.#servers[next]?.client.start();
      if (next >= this.#servers.length) {
        clearInterval(this.#starter);
        this.#starter = undefined;
      }
    };
    this.#starter = setInterval(startSome, tickMs);
    startSome();
    return this;
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
      joinsAccepted: this.#joinsAccepted,
      joinsRejected: this.#joinsRejected,
      disconnects: this.#disconnects,
    };
  }

  /** Closes every server (1000, so the MS delists them at once); resolves when all connections are gone. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#starter);
      await Promise.all(this.#servers.map((server) => server.client.close()));
    })();
    return this.#closing;
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
      this.#tally[server.state]--;
      this.#tally[state]++;
      server.state = state;
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
