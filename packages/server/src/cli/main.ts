/**
 * The `masterserver` command: parses the command line, runs a subcommand and
 * turns its outcome into an exit status (0 ok, 1 failure, 2 bad usage).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { ban, banFlags } from './ban.js';
import { type FlagSpecs, flagsHelp } from './flags.js';
import { gsSim, gsSimFlags, parseGsSimConfig } from './gs-sim.js';
import { parseServeConfig, serve, serveFlags } from './serve.js';
import { token, tokenFlags } from './token.js';
import { UsageError } from './values.js';

const USAGE = `Usage: masterserver <command> [flags]

Commands:
  serve                          run the masterserver until SIGINT/SIGTERM
  token create --name NAME       create a registration token (printed once); --admin: an admin token
  token list                     list tokens with their role (never the tokens themselves)
  token revoke ID                revoke a token; a running masterserver applies it within 1 s
  ban add ip|name|player VALUE --reason TEXT [--for DUR]
                                 ban an address or CIDR range, a name substring or a player; prints its id
  ban list [--all]               list the bans in force (--all: expired ones too)
  ban remove ID                  lift a ban; a running masterserver applies bans and lifts within 1 s
  gs-sim --reg-token TOKEN       simulated game servers (one or thousands) against a masterserver

Run "masterserver <command> --help" for its flags.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const print = (line: string): void => console.log(line);

/** The exit status of a command, or, when it was asked for its help, prints the help and 0. */
function helpOr(status: number | 'help', usage: string, specs: FlagSpecs): number {
  if (status !== 'help') return status;
  console.log(`Usage: masterserver ${usage} [flags]\n\n${flagsHelp(specs)}`);
  return 0;
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
      case 'token':
        return helpOr(await token(rest, env, print), 'token create|list|revoke', tokenFlags);
      case 'ban':
        return helpOr(await ban(rest, env, print), 'ban add|list|remove', banFlags);
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
        throw new UsageError(`unknown command "${command}" (serve, token, ban, gs-sim)`);
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
