/**
 * The `masterserver` command: parses the command line, runs a subcommand and
 * turns its outcome into an exit status (0 ok, 1 failure, 2 bad usage).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { flagsHelp } from './flags.js';
import { gsSim, gsSimFlags, parseGsSimConfig } from './gs-sim.js';
import { parseServeConfig, serve, serveFlags } from './serve.js';
import { token, tokenFlags } from './token.js';
import { UsageError } from './values.js';

const USAGE = `Usage: masterserver <command> [flags]

Commands:
  serve                          run the masterserver until SIGINT/SIGTERM
  token create --name NAME       create a registration token (printed once)
  token list                     list tokens (never the tokens themselves)
  token revoke ID                revoke a token; a running masterserver applies it within 1 s
  gs-sim --reg-token TOKEN       simulated game servers (one or thousands) against a masterserver

Run "masterserver <command> --help" for its flags.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the CLI with `argv` (without node and the script); resolves the exit status. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const config = parseServeConfig(rest, env);
        if (config === 'help') {
          console.log(`Usage: masterserver serve [flags]\n\n${flagsHelp(serveFlags)}`);
          return 0;
        }
        return await serve(config);
      }
      case 'token': {
        const status = await token(rest, env, (line) => console.log(line));
        if (status === 'help') {
          console.log(`Usage: masterserver token create|list|revoke [flags]\n\n${flagsHelp(tokenFlags)}`);
          return 0;
        }
        return status;
      }
      case 'gs-sim': {
        const options = parseGsSimConfig(rest, env);
        if (options === 'help') {
          console.log(`Usage: masterserver gs-sim [flags]\n\n${flagsHelp(gsSimFlags)}`);
          return 0;
        }
        return await gsSim(options);
      }
      case '--version':
      case '-v':
        console.log(version());
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (serve, token, gs-sim)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const prefix = command === undefined || command.startsWith('-') ? 'masterserver' : `masterserver ${command}`;
      process.stderr.write(`${prefix}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`masterserver: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
