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

const REGISTRATION_OUTCOMES: readonly RegistrationOutcome[] = [
  'success',
  'invalid_token',
  'invalid_info',
  'rate_limited',
  'list_full',
  'unreachable',
  'banned',
];
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
 * Counts by label values kept as plain numbers and handed to a Prometheus counter when it is scraped: counting
 * is an addition (prom-client hashes and checks the labels on every `inc`, bound or not).
 */
class Tally {
  readonly #counts = new Map<string, number>();
  readonly #labelNames: readonly string[];

  /** A counter `name` with one label per name in `labelNames`, read from this tally at each scrape. */
  constructor(registers: PromRegistry[], name: string, help: string, labelNames: readonly string[]) {
    this.#labelNames = labelNames;
    const counts = this.#counts;
    const names = labelNames;
    new Counter({
      name,
      help,
      labelNames: [...labelNames],
      registers,
      collect() {
        this.reset();
        for (const [key, count] of counts) {
          const values = key.split('\u0000');
          this.inc(Object.fromEntries(names.map((label, i) => [label, values[i] as string])), count);
        }
      },
    });
  }

  /** Makes the series of `values` exist (at 0) before its first event. */
  zero(...values: string[]): this {
    const key = values.join('\u0000');
    if (!this.#counts.has(key)) this.#counts.set(key, 0);
    return this;
  }

  /** Counts one event of the label values `values` (one per label name). */
  inc(...values: string[]): void {
    const key = this.#labelNames.length === 1 ? (values[0] as string) : values.join('\u0000');
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
}

/** A tally of one label whose every value is known: each exported at 0 from the start. */
function tally(registers: PromRegistry[], name: string, help: string, label: string, values: readonly string[]): Tally {
  const counts = new Tally(registers, name, help, [label]);
  for (const value of values) counts.zero(value);
  return counts;
}

/** The bounds of the request-duration histograms, in seconds (5 ms to 10 s). */
const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One outcome's series of a {@link Durations}: a count per bucket (the last one past every bound), the sum. */
interface DurationSeries {
  readonly counts: Float64Array;
  sum: number;
}

/** A value of a metric as prom-client's registry formats it. */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  metricName: string;
}

/**
 * A histogram of the seconds requests took to the player, by outcome (5 ms to 10 s): each observation is a bucket
 * found among the bounds and two additions. prom-client's histogram checks and hashes the labels and keys its
 * buckets by their bound as text on every observation (about 4 µs a join). This one is registered on the
 * Prometheus registry as a metric of its own, and is exported exactly as prom-client's would be.
 */
class Durations {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, DurationSeries>();

  constructor(registers: PromRegistry[], name: string, help: string) {
    this.name = name;
    this.help = help;
    for (const registry of registers) registry.registerMetric(this as unknown as Histogram);
  }

  /** Counts one request of `outcome` that took `seconds`. */
  observe(outcome: string, seconds: number): void {
    let series = this.#series.get(outcome);
    if (series === undefined) {
      series = { counts: new Float64Array(DURATION_BOUNDS.length + 1), sum: 0 };
      this.#series.set(outcome, series);
    }
    let bucket = 0;
    while (bucket < DURATION_BOUNDS.length && seconds > (DURATION_BOUNDS[bucket] as number)) bucket++;
    (series.counts[bucket] as number)++;
    series.sum += seconds;
  }

  /** What the registry formats (prom-client's metric interface): the buckets, sum and count of each outcome. */
  getForPromString(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    const metric = (suffix: string, value: number, labels: MetricValue['labels'], outcome: string): MetricValue => ({
      value,
      labels,
      sharedLabels: { outcome },
      metricName: `${this.name}${suffix}`,
    });
    for (const [outcome, { counts, sum }] of this.#series) {
      let total = 0;
      for (let i = 0; i < DURATION_BOUNDS.length; i++) {
        total += counts[i] as number;
        values.push(metric('_bucket', total, { le: DURATION_BOUNDS[i] as number }, outcome));
      }
      total += counts[DURATION_BOUNDS.length] as number;
      values.push(metric('_bucket', total, { le: '+Inf' }, outcome));
      values.push(metric('_sum', sum, {}, outcome));
      values.push(metric('_count', total, {}, outcome));
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same, with each value's labels in one object (the registry's JSON). */
  get(): ReturnType<Durations['getForPromString']> {
    const data = this.getForPromString();
    for (const value of data.values) {
      value.labels = { ...value.labels, ...value.sharedLabels };
      delete value.sharedLabels;
    }
    return data;
  }

  /** Forgets every observation. */
  reset(): void {
    this.#series.clear();
  }
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
  readonly #registrations: Tally;
  readonly #closes: Tally;
  readonly #joins: Tally;
  readonly #joinSeconds: Durations;
  readonly #unauthorized: Tally;
  readonly #http: Tally;
  readonly #quickPlays: Tally;
  readonly #quickPlayTries: Tally;
  readonly #quickPlaySeconds: Durations;
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
    this.#registrations = tally(
      registers,
      'masterserver_registrations_total',
      'Registration requests by outcome.',
      'outcome',
      REGISTRATION_OUTCOMES,
    );
    this.#closes = new Tally(
      registers,
      'masterserver_gs_closes_total',
      'Game-server connections closed, by close code.',
      ['code'],
    );
    this.#joins = new Tally(registers, 'masterserver_joins_total', 'Player joins by outcome.', ['outcome']);
    this.#joinSeconds = new Durations(
      registers,
      'masterserver_join_duration_seconds',
      'Time from a join request to its outcome, for joins sent to a game server.',
    );
    this.#quickPlays = tally(
      registers,
      'masterserver_quickplays_total',
      'Quick plays by outcome.',
      'outcome',
      QUICK_PLAY_OUTCOMES,
    );
    this.#quickPlayTries = tally(
      registers,
      'masterserver_quickplay_tries_total',
      'Servers tried by quick plays, by how each answered.',
      'outcome',
      QUICK_PLAY_TRY_OUTCOMES,
    );
    this.#quickPlaySeconds = new Durations(
      registers,
      'masterserver_quickplay_duration_seconds',
      'Time from a quick play request to its outcome, for quick plays that tried a server.',
    );
    this.#unauthorized = tally(
      registers,
      'masterserver_join_unauthorized_total',
      'Joins and quick plays refused 401 for their bearer token, by reason.',
      'reason',
      UNAUTHORIZED_REASONS,
    );
    this.#http = new Tally(registers, 'masterserver_http_requests_total', 'HTTP requests by route and status.', [
      'route',
      'status',
    ]);
    this.probeEvents = probeMetrics(registers, sources);
  }

  /** Counts a registration. */
  registration(outcome: RegistrationOutcome): void {
    this.#registrations.inc(outcome);
  }

  /** Counts a closed game-server connection. */
  closed(code: number): void {
    this.#closes.inc(String(code));
  }

  /** Counts a join; `seconds` when it was sent to a game server. */
  join(outcome: JoinMetricOutcome, seconds?: number): void {
    this.#joins.inc(outcome);
    if (seconds !== undefined) this.#joinSeconds.observe(outcome, seconds);
  }

  /** Counts a join or quick play refused for its bearer token, by the reason (its outcome is counted apart). */
  unauthorizedPlayer(reason: UnauthorizedReason): void {
    this.#unauthorized.inc(reason);
  }

  /** Counts a quick play; `seconds` when it tried a server. */
  quickPlay(outcome: QuickPlayMetricOutcome, seconds?: number): void {
    this.#quickPlays.inc(outcome);
    if (seconds !== undefined) this.#quickPlaySeconds.observe(outcome, seconds);
  }

  /** Counts a server tried by a quick play, by how it answered. */
  quickPlayTry(outcome: QuickPlayTryMetricOutcome): void {
    this.#quickPlayTries.inc(outcome);
  }

  /** Counts an HTTP request. */
  http(route: string, status: number): void {
    this.#http.inc(route, String(status));
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
  const sent = new Tally(registers, 'masterserver_probes_sent_total', 'Probe datagrams sent.', []).zero();
  const received = tally(
    registers,
    'masterserver_probe_datagrams_total',
    'Datagrams received on the probe socket: answers taken, and everything else dropped.',
    'result',
    ['answer', 'dropped'],
  );
  const rounds = new Histogram({
    name: 'masterserver_probe_round_seconds',
    help: 'Time from the first probe of a round to its verdict.',
    labelNames: ['verdict'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5],
    registers,
  });
  const reachable = rounds.labels('reachable');
  const unreachable = rounds.labels('unreachable');
  return {
    sent: () => sent.inc(),
    received: (accepted) => received.inc(accepted ? 'answer' : 'dropped'),
    verdict: (ok, seconds) => (ok ? reachable : unreachable).observe(seconds),
  };
}
