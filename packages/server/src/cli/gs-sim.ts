/**
 * `masterserver gs-sim`: simulated game servers (one or thousands) against an
 * MS, for demos and load. The simulation itself is the SDK's
 * {@link Simulation}; this is the command line around it: flags, progress
 * output, and signals.
 *
 * @module
 */

import { GS_PATH, INT32_MAX, InfoLimits, OptionError } from '@masterserver/protocol';
import type { Simulation, SimulationCounts, SimulationOptions } from '@masterserver/sdk';
import { type FlagSpecs, readFlags, requiredFlag } from './flags.js';
import { parseDuration, parseInteger, UsageError } from './values.js';

/** The flags of `gs-sim`. */
export const gsSimFlags: FlagSpecs = {
  ms: {
    type: 'string',
    default: `ws://127.0.0.1:8080${GS_PATH}`,
    value: 'URL',
    help: `the MS WebSocket URL (wss:// for TLS; a URL without a path gets ${GS_PATH})`,
  },
  'reg-token': { type: 'string', env: 'MS_REG_TOKEN', value: 'TOKEN', help: 'the registration token (required)' },
  count: { type: 'string', default: '1', value: 'N', help: 'how many simulated game servers, each its own connection' },
  name: { type: 'string', default: 'sim', value: 'PREFIX', help: 'server names are PREFIX-1, PREFIX-2, ...' },
  port: {
    type: 'string',
    default: '37015',
    value: 'BASE',
    help: 'game ports are BASE, BASE+1, ..., each bound on UDP to answer the reachability probe',
  },
  'max-players': {
    type: 'string',
    default: '16',
    value: 'N',
    help: 'maxPlayers; curPlayers counts accepted joins',
  },
  'register-interval': {
    type: 'string',
    default: '10s',
    value: 'DUR',
    help: 'how often each server re-registers',
  },
  'reject-joins': { type: 'boolean', help: 'answer every join with success:false' },
  'no-udp': {
    type: 'boolean',
    help: 'do not open the game ports (each server then fails the reachability probe)',
  },
  help: { type: 'boolean', help: 'show this help' },
};

/** Largest `--count`. */
export const MAX_SIM_COUNT = 100_000;

function parseMsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL (like ws://127.0.0.1:8080${GS_PATH})`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`"${text}" must start with ws:// or wss://`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = GS_PATH;
  return url.href;
}

/** Parses and checks the flags and environment of `gs-sim`. */
export function parseGsSimConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SimulationOptions | 'help' {
  const raw = readFlags(argv, gsSimFlags, env);
  if (raw.values.has('help')) return 'help';
  const get = <T>(name: string, parse: (text: string) => T): T => requiredFlag(raw, name, parse);
  const regToken = raw.values.get('reg-token')?.[0];
  if (regToken === undefined || regToken === '') throw new UsageError('--reg-token (or MS_REG_TOKEN) is required');
  const count = get('count', (text) => {
    const n = parseInteger(text, 1);
    if (n > MAX_SIM_COUNT) throw new UsageError(`"${text}" is more than ${MAX_SIM_COUNT}`);
    return n;
  });
  const namePrefix = get('name', (text) => {
    if (text === '') throw new UsageError('the prefix cannot be empty');
    const longest = `${text}-${count}`;
    if ([...longest].length > InfoLimits.NAME_MAX) {
      throw new UsageError(`"${longest}" would be longer than ${InfoLimits.NAME_MAX} characters`);
    }
    return text;
  });
  const basePort = get('port', (text) => {
    const port = parseInteger(text, 1);
    if (port + count - 1 > 65535) {
      throw new UsageError(`"${text}" + ${count} servers goes past port 65535`);
    }
    return port;
  });
  const maxPlayers = get('max-players', (text) => {
    const n = parseInteger(text, 0);
    if (n > INT32_MAX) throw new UsageError(`"${text}" is more than ${INT32_MAX}`);
    return n;
  });
  return {
    url: get('ms', parseMsUrl),
    regToken,
    count,
    namePrefix,
    basePort,
    maxPlayers,
    registerInterval: get('register-interval', parseDuration),
    rejectJoins: raw.values.has('reject-joins'),
    udp: !raw.values.has('no-udp'),
  };
}

/** Where `gs-sim` writes; injectable for tests. */
export interface GsSimOutput {
  /** On a terminal (`isTTY`), the progress line is cut to `columns`, read at every redraw. */
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
}

/** How often the progress line is redrawn on a terminal, ms. */
export const PROGRESS_INTERVAL = 2_000;
/** Distinct refusals and disconnect reasons printed, at most (thousands of servers often fail alike). */
const MAX_DISTINCT_PROBLEMS = 20;

function progress(c: SimulationCounts): string {
  return (
    `gs-sim: ${c.connected}/${c.servers} connected, ${c.registered} registered, ${c.failed} failed, ` +
    `${c.connecting} connecting; joins ${c.joinsAccepted} accepted, ${c.joinsRejected} rejected`
  );
}

/**
 * `line` cut to fewer than `columns` characters (it is ASCII): a line that
 * wraps cannot be redrawn in place, since `\r` returns only to the start of
 * its last row, and every redraw would leave a row behind.
 */
function fit(line: string, columns: number | undefined): string {
  return columns !== undefined && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
}

/** The SDK's module: an optional dependency of the server, needed by this command alone. */
async function loadSdk(): Promise<typeof import('@masterserver/sdk')> {
  try {
    return await import('@masterserver/sdk');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      'needs the optional package @masterserver/sdk (npm install @masterserver/sdk), which it runs the servers with',
    );
  }
}

/**
 * Runs the simulation until SIGINT/SIGTERM, or until no server is left running (each stopped by the MS with
 * `4005`/`4011`, or never started because its game port is taken); resolves the exit status: 0 after a
 * signal, 1 when none is left running.
 */
export async function gsSim(options: SimulationOptions, out: GsSimOutput = process): Promise<number> {
  const sdk = await loadSdk();
  let sim: Simulation;
  try {
    sim = new sdk.Simulation(options);
  } catch (error) {
    if (error instanceof OptionError) throw new UsageError(error.message);
    throw error;
  }
  const startedAt = Date.now();
  const tty = out.stdout.isTTY === true;
  const interval = options.registerInterval ?? 10_000;
  if (interval < 1_000) {
    out.stderr.write(
      `gs-sim: note: every ${interval} ms is more than 10 registrations in 10 s, which an MS refuses (error 3) ` +
        'unless it runs with a higher --registration-rate or "off"\n',
    );
  }
  let stopping = false;
  const problems = new Set<string>();
  const problem = (key: string, line: string): void => {
    if (stopping || problems.has(key) || problems.size >= MAX_DISTINCT_PROBLEMS) return;
    problems.add(key);
    out.stderr.write(`${tty ? '\r\x1b[K' : ''}gs-sim: ${line}\n`);
  };
  sim.on('registrationFailed', ({ name, error }) =>
    problem(`refused ${error.type} ${error.msg}`, `${name}: registration refused: ${error.msg} (error ${error.type})`),
  );
  sim.on('disconnected', ({ name, info }) => {
    if (info.reconnectIn === undefined) return; // stopped: said below, once per server
    const why = info.reason === '' ? String(info.code) : `${info.code} ${info.reason}`;
    problem(`closed ${info.code} ${info.reason}`, `${name}: disconnected (${why}), reconnecting`);
  });
  // One line per server, never merged: each names a port or an address someone has to look at.
  const say = (line: string): void => {
    if (!stopping) out.stderr.write(`${tty ? '\r\x1b[K' : ''}gs-sim: ${line}\n`);
  };
  sim.on('notStarted', ({ name, error }) => say(`${name}: ${error.message}; not started`));
  sim.on('stopped', ({ name, info }) => say(`${name}: ${info.message}`));
  sim.on('allRegistered', ({ ms }) => {
    // On a terminal it replaces the progress line, which the next redraw writes below it.
    out.stdout.write(
      `${tty ? '\r\x1b[K' : ''}gs-sim: all ${options.count ?? 1} servers registered in ${(ms / 1000).toFixed(1)} s\n`,
    );
  });
  const ticker = tty
    ? setInterval(
        () => out.stdout.write(`\r\x1b[K${fit(progress(sim.counts()), out.stdout.columns)}`),
        PROGRESS_INTERVAL,
      )
    : undefined;
  sim.start();

  return new Promise<number>((resolve) => {
    /** Closes everything, then writes the summary `why` and resolves `status`. */
    const finish = (why: string, status: number): void => {
      stopping = true;
      clearInterval(ticker);
      const atStop = sim.counts();
      sim.close().then(
        () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
          out.stdout.write(
            `${tty ? '\r\x1b[K' : ''}gs-sim: ${why} after ${seconds} s: ${atStop.servers} servers, ` +
              `${atStop.registered} registered at the end; joins ${atStop.joinsAccepted} accepted, ` +
              `${atStop.joinsRejected} rejected; ${atStop.disconnects} disconnects\n`,
          );
          resolve(status);
        },
        (error: unknown) => {
          out.stderr.write(`gs-sim: closing failed: ${error instanceof Error ? error.message : String(error)}\n`);
          resolve(1);
        },
      );
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        out.stderr.write(`gs-sim: second ${signal}: exiting at once\n`);
        resolve(1);
        return;
      }
      finish(`stopped on ${signal}`, 0);
    };
    sim.on('allStopped', () => {
      if (!stopping) finish('no server left running', 1);
    });
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
