import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `masterserver` executable of this package. */
export const BIN = fileURLToPath(new URL('../../bin/masterserver.js', import.meta.url));

/** The directories {@link tempDir} made in this process: removed when it exits (each test file is a process). */
const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed with what it holds when the test file's process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'masterserver-test-'));
  made.push(dir);
  return dir;
}

/** A self-signed certificate for 127.0.0.1 made with openssl; returns the file paths. */
export function makeCertificate(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the CLI to completion without blocking this process's event loop, for
 * tests that hold live connections (whose Pongs must keep flowing meanwhile).
 */
export function runCliAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** A child process whose output is captured. */
export interface Captured {
  child: ChildProcess;
  /** Everything printed to stdout so far. */
  stdout(): string;
  /** Everything printed to stderr so far. */
  stderr(): string;
  /** Resolves the exit code when the process exits. */
  exited: Promise<number | null>;
  /** Sends `signal` and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `command args` with its stdout and stderr captured (stdin ignored). */
export function spawnCaptured(command: string, args: string[], options: SpawnOptions = {}): Captured {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/** Starts `masterserver gs-sim ARGS` (with `MS_REG_TOKEN` empty unless `env` sets it). */
export function spawnSim(args: string[], env: NodeJS.ProcessEnv = {}): Captured {
  return spawnCaptured(process.execPath, [BIN, 'gs-sim', ...args], {
    env: { ...process.env, MS_REG_TOKEN: '', ...env },
  });
}

/** A `masterserver serve` process. */
export interface ServeProcess {
  child: ChildProcess;
  /** The URL from the ready line. */
  url: string;
  wsUrl: string;
  /** Everything printed to stdout so far. */
  stdout(): string;
  /** Sends `signal` and resolves the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `masterserver serve` with `args` (the executable `bin`) and waits for its ready line. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, bin = BIN): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 10 s; stdout: ${out} stderr: ${err}`));
    }, 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const early = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready; stderr: ${err}`));
    };
    child.once('exit', early);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /"msg":"masterserver listening on (http[^"]+)"/.exec(out)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        child.off('exit', early);
        resolve({
          child,
          url,
          wsUrl: `${url.replace('http', 'ws')}/v2/server/ws`,
          stdout: () => out,
          stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

/** The time (ms since the epoch) of the first line of a `serve` log whose message is `msg` and that holds `fields`. */
export function loggedAt(log: string, msg: string, fields: Record<string, unknown> = {}): number | undefined {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg !== msg) continue;
    if (Object.entries(fields).every(([key, value]) => JSON.stringify(entry[key]) === JSON.stringify(value))) {
      return entry.time as number;
    }
  }
  return undefined;
}
