/**
 * Prometheus metrics of one masterserver instance, on its own registry (so
 * several instances can live in one process). Hot-path counters are bound to
 * their labels once, so counting costs an addition.
 *
 * @module
 */

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import { UNAUTHORIZED_REASONS, type UnauthorizedReason } from './auth/player-auth.js';

/** How a registration ended, as counted. */
export type RegistrationOutcome =
  | 'success'
  | 'invalid_token'
  | 'invalid_info'
  | 'rate_limited'
  | 'list_full'
  | 'unreachable'
  | 'banned';

/** How a join ended, as counted. */
export type JoinMetricOutcome =
  | 'accepted'
  | 'rejected'
  | 'not_found'
  | 'wrong_password'
  | 'timeout'
  | 'busy'
  | 'gone'
  | 'unavailable'
  | 'bad_request'
  | 'unauthorized'
  | 'banned';

/** How a quick play ended, as counted. */
export type QuickPlayMetricOutcome = 'joined' | 'none' | 'bad_request' | 'unauthorized' | 'banned';

/** How one server tried by a quick play answered, as counted (`slow`: not within its share of the time). */
export type QuickPlayTryMetricOutcome = Exclude<JoinMetricOutcome, 'bad_request' | 'unauthorized' | 'banned'> | 'slow';

const QUICK_PLAY_OUTCOMES: readonly QuickPlayMetricOutcome[] = [
  'joined',
  'none',
  'bad_request',
  'unauthorized',
  'banned',
];
const QUICK_PLAY_TRY_OUTCOMES: readonly QuickPlayTryMetricOutcome[] = [
  'accepted',
  'rejected',
  'not_found',
  'wrong_password',
  'timeout',
  'busy',
  'gone',
  'unavailable',
  'slow',
];

/**
 * The counter of each of `values` of a one-label counter, bound once (counting
 * then costs an addition) and exported at 0 from the start, so that every
 * series exists before its first event.
 */
function bindLabels<V extends string>(counter: Counter<string>, values: readonly V[]): Record<V, { inc(): void }> {
  const bound = {} as Record<V, { inc(): void }>;
  for (const value of values) {
    const child = counter.labels(value);
    child.inc(0);
    bound[value] = child;
  }
  return bound;
}

/** A histogram of the seconds requests took to the player, by outcome (5 ms to 10 s). */
function durations(registers: PromRegistry[], name: string, help: string): Histogram<'outcome'> {
  return new Histogram({
    name,
    help,
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
}

/** What the gauges read at scrape time. */
export interface MetricsSources {
  connections(): number;
  listedServers(): number;
  players(): number;
  /** Addresses listings watch, by the probe's verdict (all 0 with probing off). */
  probedAddresses(): { reachable: number; unreachable: number; unknown: number };
}

/** What the reachability probe reports (see `ProbeEvents` in probe/prober.ts). */
export interface ProbeMetrics {
  sent(): void;
  received(accepted: boolean): void;
  verdict(reachable: boolean, seconds: number): void;
}

/** The metrics of one instance. */
export class ServerMetrics {
  /** The Prometheus registry to expose. */
  readonly registry = new PromRegistry();
  readonly #registrations: Record<RegistrationOutcome, { inc(): void }>;
  readonly #closes: Counter<'code'>;
  readonly #joins: Counter<'outcome'>;
  readonly #joinSeconds: Histogram<'outcome'>;
  readonly #unauthorized: Record<UnauthorizedReason, { inc(): void }>;
  readonly #http: Counter<'route' | 'status'>;
  readonly #quickPlays: Record<QuickPlayMetricOutcome, { inc(): void }>;
  readonly #quickPlayTries: Record<QuickPlayTryMetricOutcome, { inc(): void }>;
  readonly #quickPlaySeconds: Histogram<'outcome'>;
  /** What the reachability probe counts. */
  readonly probeEvents: ProbeMetrics;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'masterserver_gs_connections',
      help: 'Game-server WebSocket connections open now.',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'masterserver_servers_listed',
      help: 'Servers on the public list now.',
      registers,
      collect() {
        this.set(sources.listedServers());
      },
    });
    new Gauge({
      name: 'masterserver_players',
      help: 'Players on listed servers now (sum of curPlayers).',
      registers,
      collect() {
        this.set(sources.players());
      },
    });
    const registrations = new Counter({
      name: 'masterserver_registrations_total',
      help: 'Registration requests by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    });
    const outcomes: RegistrationOutcome[] = [
      'success',
      'invalid_token',
      'invalid_info',
      'rate_limited',
      'list_full',
      'unreachable',
      'banned',
    ];
    this.#registrations = bindLabels(registrations, outcomes);
    this.#closes = new Counter({
      name: 'masterserver_gs_closes_total',
      help: 'Game-server connections closed, by close code.',
      labelNames: ['code'] as const,
      registers,
    });
    this.#joins = new Counter({
      name: 'masterserver_joins_total',
      help: 'Player joins by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.#joinSeconds = durations(
      registers,
      'masterserver_join_duration_seconds',
      'Time from a join request to its outcome, for joins sent to a game server.',
    );
    const quickPlays = new Counter<'outcome'>({
      name: 'masterserver_quickplays_total',
      help: 'Quick plays by outcome.',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.#quickPlays = bindLabels(quickPlays, QUICK_PLAY_OUTCOMES);
    const quickPlayTries = new Counter<'outcome'>({
      name: 'masterserver_quickplay_tries_total',
      help: 'Servers tried by quick plays, by how each answered.',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.#quickPlayTries = bindLabels(quickPlayTries, QUICK_PLAY_TRY_OUTCOMES);
    this.#quickPlaySeconds = durations(
      registers,
      'masterserver_quickplay_duration_seconds',
      'Time from a quick play request to its outcome, for quick plays that tried a server.',
    );
    const unauthorized = new Counter<'reason'>({
      name: 'masterserver_join_unauthorized_total',
      help: 'Joins and quick plays refused 401 for their bearer token, by reason.',
      labelNames: ['reason'] as const,
      registers,
    });
    this.#unauthorized = bindLabels(unauthorized, UNAUTHORIZED_REASONS);
    this.#http = new Counter({
      name: 'masterserver_http_requests_total',
      help: 'HTTP requests by route and status.',
      labelNames: ['route', 'status'] as const,
      registers,
    });
    this.probeEvents = probeMetrics(registers, sources);
  }

  /** Counts a registration. */
  registration(outcome: RegistrationOutcome): void {
    this.#registrations[outcome].inc();
  }

  /** Counts a closed game-server connection. */
  closed(code: number): void {
    this.#closes.labels(String(code)).inc();
  }

  /** Counts a join; `seconds` when it was sent to a game server. */
  join(outcome: JoinMetricOutcome, seconds?: number): void {
    this.#joins.labels(outcome).inc();
    if (seconds !== undefined) this.#joinSeconds.labels(outcome).observe(seconds);
  }

  /** Counts a join or quick play refused for its bearer token, by the reason (its outcome is counted apart). */
  unauthorizedPlayer(reason: UnauthorizedReason): void {
    this.#unauthorized[reason].inc();
  }

  /** Counts a quick play; `seconds` when it tried a server. */
  quickPlay(outcome: QuickPlayMetricOutcome, seconds?: number): void {
    this.#quickPlays[outcome].inc();
    if (seconds !== undefined) this.#quickPlaySeconds.labels(outcome).observe(seconds);
  }

  /** Counts a server tried by a quick play, by how it answered. */
  quickPlayTry(outcome: QuickPlayTryMetricOutcome): void {
    this.#quickPlayTries[outcome].inc();
  }

  /** Counts an HTTP request. */
  http(route: string, status: number): void {
    this.#http.labels(route, String(status)).inc();
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The reachability probe's metrics. */
function probeMetrics(registers: PromRegistry[], sources: MetricsSources): ProbeMetrics {
  new Gauge({
    name: 'masterserver_probe_addresses',
    help: 'Listed addresses by the reachability probe verdict.',
    labelNames: ['verdict'] as const,
    registers,
    collect() {
      const counts = sources.probedAddresses();
      this.labels('reachable').set(counts.reachable);
      this.labels('unreachable').set(counts.unreachable);
      this.labels('unknown').set(counts.unknown);
    },
  });
  const sent = new Counter({ name: 'masterserver_probes_sent_total', help: 'Probe datagrams sent.', registers });
  const received = new Counter({
    name: 'masterserver_probe_datagrams_total',
    help: 'Datagrams received on the probe socket: answers taken, and everything else dropped.',
    labelNames: ['result'] as const,
    registers,
  });
  const rounds = new Histogram({
    name: 'masterserver_probe_round_seconds',
    help: 'Time from the first probe of a round to its verdict.',
    labelNames: ['verdict'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5],
    registers,
  });
  const answer = received.labels('answer');
  const dropped = received.labels('dropped');
  sent.inc(0);
  answer.inc(0);
  dropped.inc(0);
  const reachable = rounds.labels('reachable');
  const unreachable = rounds.labels('unreachable');
  return {
    sent: () => sent.inc(),
    received: (accepted) => (accepted ? answer : dropped).inc(),
    verdict: (ok, seconds) => (ok ? reachable : unreachable).observe(seconds),
  };
}
