/**
 * Declarative flags: each has a type, an optional environment variable, a
 * default and a parser. A command with a `config` flag also reads a JSON file
 * whose keys are flag names. Flags win over the environment, which wins over
 * the file, which wins over the default. Every error names the flag, variable
 * or key it is about.
 *
 * @module
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RedisTarget } from '../cluster/cluster-link.js';
import { parseRedisUrl, UsageError } from './values.js';

/** One flag of a command. */
export interface FlagSpec {
  /** `string` takes a value, `boolean` does not. */
  type: 'string' | 'boolean';
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** Environment variable read when the flag is absent; a multiple flag's variable is comma-separated. */
  env?: string;
  /** Default value (as text, parsed like a given one). */
  default?: string;
  /** Placeholder of the value in help, e.g. `DUR`. */
  value?: string;
  /**
   * One line of help. A default that {@link default} cannot hold (it follows another flag) is written
   * `(default VALUE, or …)`; a flag with no default value may say what happens instead, `(default: words)`.
   */
  help: string;
}

/** The flags of a command. */
export type FlagSpecs = Record<string, FlagSpec>;

/** What {@link readFlags} found: raw text per flag (after env and default), and positionals. */
export interface RawFlags {
  values: Map<string, string[]>;
  positionals: string[];
  /** Where each value came from, for error messages: `--flag`, `ENV_VAR` or `FILE: "key"`. */
  source: Map<string, string>;
}

/** The flag naming the configuration file. */
const CONFIG = 'config';

/** Reads the configuration file of `--config`; every key must be a flag of `specs` (other than `config`/`help`). */
function readConfig(path: string, specs: FlagSpecs): Map<string, string[]> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'it is not valid JSON' : (error as Error).message;
    throw new UsageError(`--config: cannot read ${path}: ${reason}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--config: ${path} must hold a JSON object of flag names to values`);
  }
  const values = new Map<string, string[]>();
  for (const [key, raw] of Object.entries(value)) {
    const spec = specs[key];
    if (spec === undefined || key === CONFIG || key === 'help') throw new UsageError(`${path}: unknown key "${key}"`);
    const items = Array.isArray(raw) && spec.multiple ? raw : [raw];
    const texts = items.map((item) => {
      if (spec.type === 'boolean') {
        if (typeof item !== 'boolean') throw new UsageError(`${path}: "${key}" must be true or false`);
        return item ? 'true' : '';
      }
      if (typeof item !== 'string' && typeof item !== 'number') {
        throw new UsageError(
          `${path}: "${key}" must be ${spec.multiple ? 'a string or an array of strings' : 'a string'}`,
        );
      }
      return String(item);
    });
    if (spec.type === 'boolean' && texts[0] === '') continue;
    values.set(key, texts);
  }
  return values;
}

/** Reads `argv` against `specs`; throws {@link UsageError} for unknown flags or missing values. */
export function readFlags(
  argv: readonly string[],
  specs: FlagSpecs,
  env: NodeJS.ProcessEnv,
  allowPositionals = false,
): RawFlags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const values = new Map<string, string[]>();
  const source = new Map<string, string>();
  const configSpec = specs[CONFIG];
  const configPath =
    configSpec === undefined
      ? undefined
      : ((parsed.values[CONFIG] as string | undefined) ??
        (configSpec.env === undefined ? undefined : env[configSpec.env] || undefined));
  const config = configPath === undefined ? new Map<string, string[]>() : readConfig(configPath, specs);
  for (const [name, spec] of Object.entries(specs)) {
    const given = parsed.values[name];
    const fromConfig = config.get(name);
    if (given !== undefined) {
      values.set(name, (Array.isArray(given) ? given : [given]).map(String));
      source.set(name, `--${name}`);
    } else if (spec.env !== undefined && env[spec.env] !== undefined && env[spec.env] !== '') {
      const text = env[spec.env] as string;
      const items = spec.multiple ? text.split(',').map((v) => v.trim()) : [text];
      values.set(
        name,
        items.filter((v) => v !== ''),
      );
      source.set(name, spec.env);
    } else if (fromConfig !== undefined) {
      values.set(name, fromConfig);
      source.set(name, `${configPath}: "${name}"`);
    } else if (spec.default !== undefined) {
      values.set(name, [spec.default]);
      source.set(name, `--${name}`);
    }
  }
  return { values, positionals: parsed.positionals, source };
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    if (message.includes('ambiguous')) return `${flag}: write a value that starts with "-" as ${flag}=VALUE`;
    return message.includes('argument missing') ? `${flag} needs a value` : `${flag} takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return message.replace(/\. To specify.*$/, '');
  return message;
}

/** Parses the value of flag `name` with `parse`, naming the flag in any error. */
export function flagValue<T>(raw: RawFlags, name: string, parse: (text: string) => T): T | undefined {
  const text = raw.values.get(name)?.[0];
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${raw.source.get(name) ?? `--${name}`}: ${error.message}`);
    throw error;
  }
}

/** Like {@link flagValue}, for a flag that has a default or must be given: a missing value is a usage error. */
export function requiredFlag<T>(raw: RawFlags, name: string, parse: (text: string) => T): T {
  const value = flagValue(raw, name, parse);
  if (value === undefined) throw new UsageError(`--${name} needs a value`);
  return value;
}

/**
 * The positional arguments of `command` (e.g. `token revoke`), exactly one per name of `names` (e.g. `ID`):
 * a missing one or one too many is a usage error that names it.
 */
export function positionals(command: string, given: readonly string[], names: readonly string[]): string[] {
  const missing = names[given.length];
  if (missing !== undefined) throw new UsageError(`${command}: ${missing} is required`);
  const extra = given[names.length];
  if (extra !== undefined) throw new UsageError(`${command}: unexpected argument "${extra}"`);
  return [...given];
}

/** Flags the commands that use the token store share. */
export const storeFlags = {
  'data-dir': {
    type: 'string',
    env: 'MS_DATA_DIR',
    default: './data',
    value: 'DIR',
    help: 'where the store lives (masterserver.db: tokens, bans, the audit log)',
  },
  redis: {
    type: 'string',
    env: 'MS_REDIS_URL',
    value: 'URL',
    help: 'cluster mode: share the list, joins, tokens and bans with every instance on this Redis (redis://[user:password@]host:port[/db], rediss:// for TLS)',
  },
  'redis-ca': {
    type: 'string',
    env: 'MS_REDIS_CA',
    value: 'FILE',
    help: 'PEM certificates of the CAs to trust for a rediss:// URL (default: the system CAs)',
  },
} as const satisfies FlagSpecs;

/** Reads a PEM file of CA certificates; throws a {@link UsageError} when it cannot be read or holds none. */
function readCaFile(path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new UsageError(`${path} holds no PEM certificate`);
  }
  return pem;
}

/** The Redis of `--redis` and `--redis-ca` (see {@link storeFlags}), or `undefined` without `--redis`. */
export function redisTarget(raw: RawFlags): RedisTarget | undefined {
  const url = flagValue(raw, 'redis', parseRedisUrl);
  const ca = flagValue(raw, 'redis-ca', readCaFile);
  if (ca === undefined) return url === undefined ? undefined : { url };
  if (url === undefined || !url.startsWith('rediss:')) {
    throw new UsageError(`${raw.source.get('redis-ca')}: only a rediss:// --redis URL uses a CA file`);
  }
  return { url, ca };
}

/** Help text for `specs`. */
export function flagsHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `  --${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    const extra = [spec.env && `env ${spec.env}`, spec.default !== undefined && `default ${spec.default}`]
      .filter(Boolean)
      .join(', ');
    return [left, `${spec.help}${extra ? ` (${extra})` : ''}`];
  });
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2;
  return rows.map(([left, right]) => `${(left as string).padEnd(width)}${right}`).join('\n');
}
