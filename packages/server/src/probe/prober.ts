/**
 * The UDP reachability probe of docs/protocol.md#reachability: one socket per
 * process, one probe round per address at a time (three probes 500 ms apart,
 * unreachable 500 ms after the third without an answer), re-probes every
 * probe interval while a listing needs the address, answers taken only from
 * the probed IP with the nonce of a round still running, and everything else
 * on the socket dropped without a reply.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { normalizeIp } from '../http/client-ip.js';
import type { Logger } from '../logger.js';
import { SendPacer } from './rate-limit.js';
import type { AddressWatch, Reachability, ReachabilityMode } from './reachability.js';

// TODO(protocol): use the protocol package's datagram codec
const PREFIX = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const PROBE_MAGIC = Buffer.from('MSPROBE1', 'ascii');
const REPLY_MAGIC = Buffer.from('MSREPLY1', 'ascii');
const NONCE_BYTES = 16;
const DATAGRAM_BYTES = 28;

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

interface Round {
  readonly nonce: string;
  startedAt: number;
  tries: number;
  timer: NodeJS.Timeout | undefined;
  readonly settled: Promise<boolean>;
  readonly settle: (reachable: boolean) => void;
}

interface Watcher {
  readonly changed: (reachable: boolean) => void;
}

interface Entry {
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  verdict: boolean | null;
  verdictAt: number;
  readonly watchers: Set<Watcher>;
  round: Round | undefined;
  /** The next round while watched, or the end of the retry delay of an unwatched unreachable address. */
  timer: NodeJS.Timeout | undefined;
}

/** A UDP socket bound to the probe address, probing the addresses listings watch. */
export class Prober implements Reachability {
  readonly mode: Exclude<ReachabilityMode, 'off'>;
  readonly #socket: Socket;
  readonly #family: 4 | 6;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #events: ProbeEvents | undefined;
  readonly #pacer: SendPacer;
  readonly #entries = new Map<string, Entry>();
  /** Running rounds by nonce (the nonce's 16 bytes as latin1 text). */
  readonly #rounds = new Map<string, Entry>();
  #closed = false;

  private constructor(socket: Socket, family: 4 | 6, options: ProberOptions) {
    this.mode = options.mode;
    this.#socket = socket;
    this.#family = family;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
    this.#events = options.events;
    this.#pacer = new SendPacer(options.rate);
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
    for (const entry of this.#entries.values()) {
      if (entry.watchers.size === 0) continue;
      if (entry.verdict === true) counts.reachable++;
      else if (entry.verdict === false) counts.unreachable++;
      else counts.unknown++;
    }
    return counts;
  }

  watch(ip: string, port: number, changed: (reachable: boolean) => void): AddressWatch {
    const address = normalizeIp(ip);
    const key = `${address}|${port}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {
        key,
        ip: address,
        port,
        verdict: null,
        verdictAt: 0,
        watchers: new Set(),
        round: undefined,
        timer: undefined,
      };
      this.#entries.set(key, entry);
    }
    const watcher: Watcher = { changed };
    const first = entry.watchers.size === 0;
    entry.watchers.add(watcher);
    if (first) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      // A new listing of the address is probed now, unless it was found unreachable moments ago.
      if (entry.round === undefined && !this.#recentlyUnreachable(entry)) this.#startRound(entry);
      else if (entry.round === undefined) {
        this.#scheduleNext(entry, UNREACHABLE_RETRY_MS - (performance.now() - entry.verdictAt));
      }
    }
    const target = entry;
    return {
      get verdict() {
        return target.verdict;
      },
      settled: () => target.round?.settled ?? Promise.resolve(target.verdict === true),
      release: () => this.#release(target, watcher),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pacer.clear();
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer);
      this.#endRound(entry, false, false);
    }
    this.#entries.clear();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #recentlyUnreachable(entry: Entry): boolean {
    return entry.verdict === false && performance.now() - entry.verdictAt < UNREACHABLE_RETRY_MS;
  }

  #release(entry: Entry, watcher: Watcher): void {
    if (!entry.watchers.delete(watcher) || entry.watchers.size > 0) return;
    // No listing needs the address now: stop probing it.
    clearTimeout(entry.timer);
    entry.timer = undefined;
    this.#endRound(entry, false, false);
    if (this.#recentlyUnreachable(entry)) {
      // Kept for the retry delay, so that a registration in that time is refused at once.
      entry.timer = setTimeout(
        () => this.#entries.delete(entry.key),
        UNREACHABLE_RETRY_MS - (performance.now() - entry.verdictAt),
      ).unref();
    } else if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
  }

  #startRound(entry: Entry): void {
    if (this.#closed) return;
    let settle: (reachable: boolean) => void = () => {};
    const settled = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const nonce = randomBytes(NONCE_BYTES);
    const round: Round = { nonce: nonce.toString('latin1'), startedAt: 0, tries: 0, timer: undefined, settled, settle };
    entry.round = round;
    this.#rounds.set(round.nonce, entry);
    const probe = Buffer.concat([PREFIX, PROBE_MAGIC, nonce], DATAGRAM_BYTES);
    this.#sendProbe(entry, round, probe);
  }

  /** Sends the next probe of `round` when the cap allows, then waits {@link PROBE_SPACING_MS} for an answer. */
  #sendProbe(entry: Entry, round: Round, probe: Buffer): void {
    this.#pacer.schedule(() => {
      if (entry.round !== round) return;
      if (round.tries === 0) round.startedAt = performance.now();
      round.tries++;
      this.#socket.send(probe, entry.port, this.#target(entry.ip), (error) => {
        if (error !== null)
          this.#logger.debug({ ip: entry.ip, port: entry.port, err: error.message }, 'probe not sent');
      });
      this.#events?.sent();
      round.timer = setTimeout(() => {
        if (entry.round !== round) return;
        if (round.tries < PROBE_TRIES) this.#sendProbe(entry, round, probe);
        else this.#endRound(entry, false, true);
      }, PROBE_SPACING_MS).unref();
    });
  }

  /** The address to send to: an IPv4 address is written IPv4-mapped on an IPv6 socket. */
  #target(ip: string): string {
    return this.#family === 6 && isIP(ip) === 4 ? `::ffff:${ip}` : ip;
  }

  #received(datagram: Buffer, from: string): void {
    const accepted = this.#answer(datagram, normalizeIp(from));
    this.#events?.received(accepted);
  }

  /** Takes an answer to a running round from the probed IP; anything else is dropped. */
  #answer(datagram: Buffer, from: string): boolean {
    if (datagram.length !== DATAGRAM_BYTES) return false;
    if (datagram.compare(PREFIX, 0, 4, 0, 4) !== 0 || datagram.compare(REPLY_MAGIC, 0, 8, 4, 12) !== 0) return false;
    const entry = this.#rounds.get(datagram.toString('latin1', 12, 28));
    if (entry === undefined || entry.ip !== from) return false;
    this.#endRound(entry, true, true);
    return true;
  }

  /** Ends the running round of `entry` (if any) with `reachable`; `decided`: it is a verdict, not a cancellation. */
  #endRound(entry: Entry, reachable: boolean, decided: boolean): void {
    const round = entry.round;
    if (round === undefined) return;
    entry.round = undefined;
    this.#rounds.delete(round.nonce);
    clearTimeout(round.timer);
    if (!decided) {
      round.settle(false);
      return;
    }
    const changed = entry.verdict !== reachable;
    entry.verdict = reachable;
    entry.verdictAt = performance.now();
    this.#events?.verdict(reachable, (entry.verdictAt - round.startedAt) / 1000);
    round.settle(reachable);
    if (changed) for (const watcher of [...entry.watchers]) watcher.changed(reachable);
    if (entry.watchers.size > 0) this.#scheduleNext(entry);
  }

  #scheduleNext(entry: Entry, delayMs = this.#intervalMs): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.watchers.size > 0 && entry.round === undefined) this.#startRound(entry);
    }, delayMs).unref();
  }
}
