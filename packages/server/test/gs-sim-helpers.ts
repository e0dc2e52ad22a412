/** Running `masterserver gs-sim` as a child process in tests. */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN } from './cli-helpers.js';

/** A running `gs-sim` process and what it wrote. */
export interface Sim {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves the exit code when the process exits on its own. */
  exited: Promise<number | null>;
  /** Sends `signal` and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `masterserver gs-sim ARGS` (with `MS_REG_TOKEN` empty unless `env` sets it). */
export function spawnSim(args: string[], env: NodeJS.ProcessEnv = {}): Sim {
  const child = spawn(process.execPath, [BIN, 'gs-sim', ...args], {
    env: { ...process.env, MS_REG_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
