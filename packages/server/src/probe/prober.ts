/**
 * The UDP reachability probe of docs/protocol.md#reachability: one socket per
 * process, one probe round per address at a time (three probes 500 ms apart,
 * unreachable 500 ms after the third without an answer), re-probes every
 * probe interval while a listing needs the address, answers taken only from
 * the probed IP with the nonce of a round still running, and everything else
 * on the socket dropped without a reply.
 *
 * Per watched address it keeps one small object and no timer of its own: the
 * re-probes of every address share one deadline queue (they all wait the same
 * interval), and only running rounds hold a timer.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { decodeProbeReply, encodeProbe, ProbeDatagram } from '@masterserver/protocol';
import { type Deadline, DeadlineQueue } from '../deadline-queue.js';
import type { Logger } from '../logger.js';
import { normalizeIp } from '../net/addresses.js';
import { SendPacer } from './rate-limit.js';
import type { AddressWatch, Reachability, ReachabilityMode, VerdictListener } from './reachability.js';

/** Probes per round before an address counts as unreachable. */
export const PROBE_TRIES = 3;
/** Milliseconds between the probes of a round, and after the last one. */
export const PROBE_SPACING_MS = 500;
/** Milliseconds an address found unreachable is not probed again. */
export const UNREACHABLE_RETRY_MS = 10_000;

/** What the prober reports, for the metrics. */
export interface ProbeEvents {
  sent(): void;
  /** An answer was taken (`accepted`) or a datagram dropped (`dropped`). */
  received(accepted: boolean): void;
  /** A round ended with `reachable`, `seconds` after its first probe. */
  verdict(reachable: boolean, seconds: number): void;
}

/** Options of {@link Prober}. */
export interface ProberOptions {
  mode: Exclude<ReachabilityMode, 'off'>;
  /** Where the socket binds. */
  host: string;
  port: number;
  /** Milliseconds between the rounds of an address that stays listed. */
  intervalMs: number;
  /** Probes sent per second at most, over every address. */
  rate: number;
  logger: Logger;
  events?: ProbeEvents | undefined;
}

/** A running probe round of one address. */
class Round {
  /** The probe datagram, with this round's nonce. */
  readonly probe: Buffer;
  /** The nonce as latin1 text: the key answers are looked up by. */
  readonly nonce: string;
  startedAt = 0;
  tries = 0;
  timer: NodeJS.Timeout | undefined;
  /** Made only when someone waits for the verdict (`require` mode). */
  #settled: Promise<boolean> | undefined;
  #resolve: ((reachable: boolean) => void) | undefined;

  constructor() {
    const nonce = randomBytes(ProbeDatagram.NONCE_SIZE);
    this.probe = encodeProbe(nonce);
    this.nonce = nonce.toString('latin1');
  }

  /** Resolves with the round's verdict (`false` when it is cancelled). */
  get settled(): Promise<boolean> {
    this.#settled ??= new Promise<boolean>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#settled;
  }

  settle(reachable: boolean): void {
    this.#resolve?.(reachable);
  }
}

/** One address that listings watch (or that was found unreachable moments ago). */
class Address {
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  verdict: boolean | null = null;
  verdictAt = 0;
  /** The watches of the listings of this address: usually one. */
  watches: Watch[] = [];
  round: Round | undefined;
  /** The next round while watched. */
  next: Deadline | undefined;
  /** A one-off timer: the end of the retry delay (unwatched), or the first round after it (watched). */
  timer: NodeJS.Timeout | undefined;

  constructor(key: string, ip: string, port: number) {
    this.key = key;
    this.ip = ip;
    this.port = port;
  }

  /** Stops the scheduled round and the one-off timer. */
  unschedule(): void {
    this.next?.cancel();
    this.next = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** One listing's watch on an address. */
class Watch implements AddressWatch {
  readonly #prober: Prober;
  readonly address: Address;
  readonly listener: VerdictListener;

  constructor(prober: Prober, address: Address, listener: VerdictListener) {
    this.#prober = prober;
    this.address = address;
    this.listener = listener;
  }

  get verdict(): boolean | null {
    return this.address.verdict;
  }

  settled(): Promise<boolean> {
    return this.address.round?.settled ?? Promise.resolve(this.address.verdict === true);
  }

  release(): void {
    this.#prober.release(this);
  }
}

/** A UDP socket bound to the probe address, probing the addresses listings watch. */
export class Prober implements Reachability {
  readonly mode: Exclude<ReachabilityMode, 'off'>;
  readonly #socket: Socket;
  readonly #family: 4 | 6;
  readonly #logger: Logger;
  readonly #events: ProbeEvents | undefined;
  readonly #pacer: SendPacer;
  readonly #reprobes: DeadlineQueue;
  readonly #addresses = new Map<string, Address>();
  /** Running rounds by nonce (the nonce's 16 bytes as latin1 text). */
  readonly #rounds = new Map<string, Address>();
  #closed = false;

  private constructor(socket: Socket, family: 4 | 6, options: ProberOptions) {
    this.mode = options.mode;
    this.#socket = socket;
    this.#family = family;
    this.#logger = options.logger;
    this.#events = options.events;
    this.#pacer = new SendPacer(options.rate);
    this.#reprobes = new DeadlineQueue(options.intervalMs);
    socket.on('message', (datagram, from) => this.#received(datagram, from.address));
    socket.on('error', (error) => this.#logger.warn({ err: error.message }, 'probe socket error'));
  }

  /** Binds the probe socket; rejects with the system's error when it cannot (e.g. `EADDRINUSE`). */
  static async bind(options: ProberOptions): Promise<Prober> {
    const family = isIP(options.host) === 6 ? 6 : 4;
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.unref();
    return new Prober(socket, family, options);
  }

  /** The socket's address (e.g. to tell a firewall what answers come back to). */
  get address(): { address: string; port: number } {
    const { address, port } = this.#socket.address();
    return { address, port };
  }

  /** Addresses watched now with each verdict. */
  get counts(): { reachable: number; unreachable: number; unknown: number } {
    const counts = { reachable: 0, unreachable: 0, unknown: 0 };
    for (const address of this.#addresses.values()) {
      if (address.watches.length === 0) continue;
      if (address.verdict === true) counts.reachable++;
      else if (address.verdict === false) counts.unreachable++;
      else counts.unknown++;
    }
    return counts;
  }

  watch(ip: string, port: number, listener: VerdictListener): AddressWatch {
    const canonical = normalizeIp(ip);
    // Joined, not concatenated: a flat string, where a concatenation keeps its parts.
    const key = [canonical, port].join('|');
    let address = this.#addresses.get(key);
    if (address === undefined) {
      address = new Address(key, canonical, port);
      this.#addresses.set(key, address);
    }
    const watch = new Watch(this, address, listener);
    // A new array for the first watch: `push` onto an empty one makes room for 17.
    if (address.watches.length === 0) address.watches = [watch];
    else address.watches.push(watch);
    if (address.watches.length === 1 && address.round === undefined) {
      address.unschedule();
      // A new listing of the address is probed now, unless it was found unreachable moments ago.
      const wait = UNREACHABLE_RETRY_MS - (performance.now() - address.verdictAt);
      if (address.verdict === false && wait > 0) {
        address.timer = setTimeout(() => this.#due(address), wait).unref();
      } else this.#startRound(address);
    }
    return watch;
  }

  /** A listing no longer needs the address of `watch`. */
  release(watch: Watch): void {
    const { address } = watch;
    const at = address.watches.indexOf(watch);
    if (at === -1) return;
    address.watches.splice(at, 1);
    if (address.watches.length > 0) return;
    // No listing needs the address now: stop probing it.
    address.unschedule();
    this.#endRound(address, false, false);
    const wait = UNREACHABLE_RETRY_MS - (performance.now() - address.verdictAt);
    if (address.verdict === false && wait > 0) {
      // Kept for the retry delay, so that a registration in that time is refused at once.
      address.timer = setTimeout(() => this.#forget(address), wait).unref();
    } else this.#forget(address);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pacer.clear();
    this.#reprobes.clear();
    for (const address of this.#addresses.values()) {
      address.unschedule();
      this.#endRound(address, false, false);
    }
    this.#addresses.clear();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #forget(address: Address): void {
    if (address.watches.length === 0 && this.#addresses.get(address.key) === address) {
      this.#addresses.delete(address.key);
    }
  }

  /** The next round of an address is due (scheduled through the deadline queue or a one-off timer). */
  readonly #due = (address: Address): void => {
    address.next = undefined;
    address.timer = undefined;
    if (address.watches.length > 0 && address.round === undefined) this.#startRound(address);
  };

  #startRound(address: Address): void {
    if (this.#closed) return;
    const round = new Round();
    address.round = round;
    this.#rounds.set(round.nonce, address);
    this.#sendProbe(address, round);
  }

  /** Sends the next probe of `round` when the cap allows, then waits {@link PROBE_SPACING_MS} for an answer. */
  #sendProbe(address: Address, round: Round): void {
    this.#pacer.schedule(() => {
      if (address.round !== round) return;
      if (round.tries === 0) round.startedAt = performance.now();
      round.tries++;
      this.#socket.send(round.probe, address.port, this.#target(address.ip), (error) => {
        if (error !== null) {
          this.#logger.debug({ ip: address.ip, port: address.port, err: error.message }, 'probe not sent');
        }
      });
      this.#events?.sent();
      round.timer = setTimeout(() => {
        if (address.round !== round) return;
        if (round.tries < PROBE_TRIES) this.#sendProbe(address, round);
        else this.#endRound(address, false, true);
      }, PROBE_SPACING_MS).unref();
    });
  }

  /** The address to send to: an IPv4 address is written IPv4-mapped on an IPv6 socket. */
  #target(ip: string): string {
    return this.#family === 6 && isIP(ip) === 4 ? `::ffff:${ip}` : ip;
  }

  #received(datagram: Buffer, from: string): void {
    this.#events?.received(this.#answer(datagram, normalizeIp(from)));
  }

  /** Takes an answer to a running round from the probed IP; anything else is dropped. */
  #answer(datagram: Buffer, from: string): boolean {
    const nonce = decodeProbeReply(datagram);
    if (nonce === undefined) return false;
    const address = this.#rounds.get(nonce.toString('latin1'));
    if (address === undefined || address.ip !== from) return false;
    this.#endRound(address, true, true);
    return true;
  }

  /** Ends the running round of `address` (if any) with `reachable`; `decided`: a verdict, not a cancellation. */
  #endRound(address: Address, reachable: boolean, decided: boolean): void {
    const round = address.round;
    if (round === undefined) return;
    address.round = undefined;
    this.#rounds.delete(round.nonce);
    clearTimeout(round.timer);
    if (!decided) {
      round.settle(false);
      return;
    }
    const changed = address.verdict !== reachable;
    address.verdict = reachable;
    address.verdictAt = performance.now();
    this.#events?.verdict(reachable, (address.verdictAt - round.startedAt) / 1000);
    round.settle(reachable);
    if (changed) for (const watch of [...address.watches]) watch.listener.reachabilityChanged(watch, reachable);
    if (address.watches.length > 0) address.next = this.#reprobes.add(this.#due, address);
  }
}
