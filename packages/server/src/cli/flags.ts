/**
 * Declarative flags: each has a type, an optional environment variable, a
 * default and a parser. Flags win over the environment, which wins over the
 * default. Every error names the flag (or variable) it is about.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { UsageError } from './values.js';

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
  /** One line of help. */
  help: string;
}

/** The flags of a command. */
export type FlagSpecs = Record<string, FlagSpec>;

/** What {@link readFlags} found: raw text per flag (after env and default), and positionals. */
export interface RawFlags {
  values: Map<string, string[]>;
  positionals: string[];
  /** Where each value came from, for error messages: `--flag` or `ENV_VAR`. */
  source: Map<string, string>;
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
  for (const [name, spec] of Object.entries(specs)) {
    const given = parsed.values[name];
    if (given !== undefined) {
      values.set(name, (Array.isArray(given) ? given : [given]).map(String));
      source.set(name, `--${name}`);
    } else if (spec.env !== undefined && env[spec.env] !== undefined && env[spec.env] !== '') {
      const text = env[spec.env] as string;
      values.set(
        name,
        spec.multiple
          ? text
              .split(',')
              .map((v) => v.trim())
              .filter((v) => v !== '')
          : [text],
      );
      source.set(name, spec.env);
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
