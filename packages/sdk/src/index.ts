/**
 * The game-server SDK: register with a masterserver, stay listed, answer
 * player joins, and verify the players who then connect.
 *
 * @example
 * ```ts
 * import { GameServerClient, JoinErrorType, rejectJoin } from '@masterserver/sdk';
 *
 * const client = new GameServerClient({
 *   url: 'wss://ms.example.com/v2/server/ws',
 *   regToken: process.env.MS_REG_TOKEN ?? '',
 *   info: { name: 'My server', port: 37015, map: 'mp_box', playlist: 'tdm', maxPlayers: 16 },
 *   onJoin: () => (playerCount < 16 ? { accept: true } : rejectJoin(JoinErrorType.SERVER_FULL, 'full')),
 * }).start();
 *
 * // A player connects to the game and presents the token the MS gave it:
 * const session = client.consumeSession(tokenFromPlayer); // { username, clantag, conv } or undefined
 * client.update({ curPlayers: ++playerCount }, { now: true });
 * ```
 *
 * @module
 */

export {
  CloseCode,
  type Int64,
  isConnectionless,
  RegistrationError,
  type ResponseError,
  type ServerInfo,
} from '@masterserver/protocol';
export { Backoff, type BackoffOptions, defaultBackoff, type Random } from './backoff.js';
export { GameServerClient, type UpdateOptions } from './client.js';
export { type Listener, TypedEmitter } from './emitter.js';
export { ClientClosedError, ClientStoppedError, OptionError } from './errors.js';
export type {
  ClientState,
  ClientStatus,
  DisconnectInfo,
  GameServerClientEvents,
  JoinEvent,
  StopInfo,
} from './events.js';
export { bindGamePort, GamePortError, type GamePortOptions, localAddressToward } from './game-port.js';
export type { ServerInfoInit, ServerInfoUpdate } from './info.js';
export {
  acceptEveryone,
  acceptJoin,
  type JoinAnswer,
  JoinErrorType,
  type JoinHandler,
  type PlayerJoin,
  rejectJoin,
} from './join.js';
export { CONNECTIONS_PER_ADDRESS, loopbackSpread } from './loopback.js';
export { defaultClientOptions, type GameServerClientOptions } from './options.js';
export { answerProbes, type GameDatagramHandler, probeReply } from './probe.js';
export { type PlayerSession, SessionStore } from './sessions.js';
export {
  defaultSimulation,
  type SimulatedServer,
  Simulation,
  type SimulationCounts,
  type SimulationEvents,
  type SimulationOptions,
} from './sim.js';
export type { Connection, ConnectionHandlers, Transport, TransportClose } from './transport.js';
export { defaultWsTransport, WsTransport, type WsTransportOptions } from './ws-transport.js';
