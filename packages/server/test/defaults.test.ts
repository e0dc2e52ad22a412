import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { markdownTables } from '@masterserver/testing';
import { flagsHelp } from '../src/cli/flags.js';
import { parseServeConfig, type ServeConfig, serveFlags } from '../src/cli/serve.js';
import { defaultOptions, resolveOptions } from '../src/options.js';

// One source for the defaults of `masterserver serve`: the help it prints, `defaultOptions`, and every table and
// sentence of the README and docs/ that gives a flag's default must agree. Everything is read from the flag
// declarations, the help text and the documents, so a new flag is checked without touching this file.

const root = new URL('../../../../', import.meta.url);
/** The documents that may table or mention flags: the README and docs/. */
const documents: Array<[string, string]> = [
  ['README.md', readFileSync(new URL('README.md', root), 'utf8')],
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name): [string, string] => [`docs/${name}`, readFileSync(new URL(`docs/${name}`, root), 'utf8')]),
];

/** Every flag of `serve` but `--help`. */
const flags = Object.keys(serveFlags).filter((name) => name !== 'help');

/**
 * Each flag's default as `serve --help` states it: its declared default, or the value a "(default X" in its
 * help line names (`30s` for "default 30s, or --headers-timeout if longer"). `undefined` when the flag has no
 * value by default: its help may say in words what happens instead, as "(default: the system CAs)".
 */
const helpDefaults = new Map<string, string | undefined>(
  flagsHelp(serveFlags)
    .split('\n')
    .flatMap((line) => {
      const name = /^\s+--([a-z0-9-]+)/.exec(line)?.[1];
      if (name === undefined || name === 'help') return [];
      return [[name, /\bdefault ([^,;)]+)/.exec(line)?.[1]?.trim()]];
    }),
);

/** The configuration `serve` runs with for `argv`, in an empty environment. */
function config(argv: string[]): ServeConfig {
  const parsed = parseServeConfig(argv, {});
  assert.notEqual(parsed, 'help');
  return parsed as ServeConfig;
}

/** The masterserver's options once resolved, for a configuration of `serve` (or `{}`: `defaultOptions` alone). */
function resolved(options: ServeConfig['options'] = {}): Record<string, unknown> {
  return resolveOptions({ ...options, webRoot: null });
}

/** `--max-servers` from `maxServers`. */
const flagOf = (option: string): string => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * A default as running text writes it, in the form the command line takes: `64 KiB` → `65536`, `10 s` →
 * `10s`, `5 min` → `5m`, `10 in 10 s` → `10/10s`, `2000 datagrams a second` → `2000`.
 */
function canonical(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const unit = (u: string): string => (u === 'min' ? 'm' : u);
  let m = /^(\d+) in (\d+(?:\.\d+)?) ?(ms|s|min|m)\b/.exec(t);
  if (m) return `${m[1]}/${m[2]}${unit(m[3] as string)}`;
  m = /^(\d+) (KiB|MiB)\b/.exec(t);
  if (m) return String(Number(m[1]) * (m[2] === 'KiB' ? 1024 : 1024 * 1024));
  m = /^(\d+(?:\.\d+)?) ?(ms|s|min|m)\b/.exec(t);
  if (m) return `${m[1]}${unit(m[2] as string)}`;
  return /^\d+\b/.exec(t)?.[0] ?? t;
}

/** A flag row of a documented table: the flags, environment variables and default it gives. */
interface FlagRow {
  where: string;
  flags: string[];
  envs: string[];
  /** The default cell, as written (backticks kept). */
  default: string;
}

/** The rows of every table in the documents with the columns flag, env and default: the tables of serve's flags. */
function flagRows(): FlagRow[] {
  return documents.flatMap(([file, text]) =>
    markdownTables(text).flatMap((table) => {
      const column = (name: string) => table.header.findIndex((cell) => cell.toLowerCase() === name);
      const [flag, env, byDefault] = [column('flag'), column('env'), column('default')];
      if (flag === -1 || env === -1 || byDefault === -1) return [];
      return table.rows.map((row) => ({
        where: `${file} (${table.heading}): ${row[flag]}`,
        flags: [...(row[flag] ?? '').matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1] as string),
        envs: [...(row[env] ?? '').matchAll(/\b(MS_[A-Z0-9_]+)/g)].map((m) => m[1] as string),
        default: row[byDefault] ?? '',
      }));
    }),
  );
}

/**
 * The default each option's JSDoc in src/options.ts states: the code after "Default", a `{@link NAME}` of an
 * exported constant, or the words after "Default:".
 */
function documentedOptionDefaults(): Map<string, string> {
  const source = readFileSync(new URL('../../src/options.ts', import.meta.url), 'utf8');
  const body = source.slice(source.indexOf('export interface MasterServerOptions'));
  const stated = new Map<string, string>();
  for (const m of body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
    const doc = (m[1] ?? '').replace(/\s*\n\s*\*\s*/g, ' ');
    const text = /\bDefault(?: (`[^`]+`|\{@link \w+\})|: ([^.]+))/.exec(doc);
    if (text) stated.set(m[2] as string, text[1] ?? (text[2] as string));
    if (m[2] === 'logger') break;
  }
  return stated;
}

describe('one source for the defaults of serve’s flags: --help, defaultOptions, the README and docs/', () => {
  it('the help states the declared default of every flag that has one; a default its line names is a value of the flag', () => {
    assert.equal(helpDefaults.size, flags.length, 'every flag has a help line');
    for (const name of flags) {
      const declared = serveFlags[name]?.default;
      const stated = helpDefaults.get(name);
      if (declared !== undefined) assert.equal(stated, declared, `--${name}`);
      else if (stated !== undefined) assert.doesNotThrow(() => config([`--${name}`, stated]), `--${name} ${stated}`);
    }
  });

  it('the JSDoc of every option of MasterServerOptions states its value in defaultOptions', async () => {
    const api: Record<string, unknown> = await import('../src/index.js');
    const stated = documentedOptionDefaults();
    assert.ok(stated.size >= Object.keys(defaultOptions).length, `${stated.size} documented defaults`);
    for (const [option, value] of Object.entries(defaultOptions)) {
      const text = stated.get(option);
      assert.ok(text !== undefined, `${option}: its JSDoc states no default`);
      const none = Array.isArray(value) && value.length === 0;
      const constant = /^\{@link (\w+)\}$/.exec(text)?.[1];
      const literal = JSON.stringify(value).replaceAll('"', '');
      if (none) assert.match(text, /^none\b/, `${option}: the default is none`);
      else if (constant !== undefined) assert.equal(value, api[constant], `${option}: ${text}`);
      else assert.equal(text.replace(/[`\s_]/g, ''), literal, `${option}: the default its JSDoc states`);
    }
  });

  it('serve without flags runs with defaultOptions, option by option', () => {
    const fromCli = resolved(config([]).options);
    const fromOptions = resolved();
    for (const [option, value] of Object.entries(fromOptions)) {
      assert.deepEqual(fromCli[option], value, `${flagOf(option)} (option ${option}) defaults differently`);
    }
  });

  it('each default the help states, given explicitly, changes nothing', () => {
    const none = config([]);
    const checked = [...helpDefaults].filter(([, value]) => value !== undefined);
    assert.ok(checked.length >= 20, `${checked.length} flags with a default`);
    for (const [name, value] of checked) {
      const given = config([`--${name}`, value as string]);
      assert.deepEqual(resolved(given.options), resolved(none.options), `--${name} ${value}: the options differ`);
      const { options: _a, ...rest } = given;
      const { options: _b, ...restNone } = none;
      assert.deepEqual(rest, restNone, `--${name} ${value}: the configuration differs`);
    }
  });

  it('the flag tables of the README and docs/ list every flag once, with its variable and the default of --help', () => {
    const rows = flagRows();
    assert.ok(rows.length >= flags.length / 2, `${rows.length} rows`);
    const seen = new Map<string, string>();
    for (const row of rows) {
      assert.ok(row.flags.length > 0, `${row.where}: names no flag`);
      assert.equal(row.envs.length, row.flags.length, `${row.where}: one variable per flag`);
      row.flags.forEach((name, i) => {
        const spec = serveFlags[name];
        assert.ok(spec, `${row.where}: --${name} is not a flag of serve`);
        assert.ok(!seen.has(name), `${row.where}: --${name} is also in ${seen.get(name)}`);
        seen.set(name, row.where);
        assert.equal(row.envs[i], spec.env, `${row.where}: the variable of --${name}`);
        const value = helpDefaults.get(name);
        // A value is written as code first; a flag without one says in words what happens instead.
        const first = /^`([^`]+)`/.exec(row.default)?.[1];
        if (value === undefined) assert.equal(first, undefined, `${row.where}: --${name} has no default value`);
        else assert.equal(first, value, `${row.where}: the default of --${name}`);
      });
    }
    assert.deepEqual(
      flags.filter((name) => !seen.has(name)),
      [],
      'flags no table lists',
    );
  });

  it('every sentence of the README and docs/ that gives a flag’s default gives the default of --help', () => {
    // "`--flag` (default `X`" or "`--flag` … (X, …)" with X a number: a default in running text.
    const pattern = /`--([a-z][a-z0-9-]*)`([^`()]{0,40}?)\(\s*(default:?\s+)?(?:`([^`]+)`|([^,;)\n]+))/g;
    let found = 0;
    for (const [file, text] of documents) {
      for (const m of text.matchAll(pattern)) {
        const [, name = '', , keyword, code, words] = m;
        const stated = code ?? canonical(words ?? '');
        if (keyword === undefined && !/^\d/.test(stated)) continue;
        if (!(name in serveFlags)) continue;
        const line = text.slice(0, m.index).split('\n').length;
        const value = helpDefaults.get(name);
        assert.ok(value !== undefined, `${file}:${line}: gives --${name} a default, which it does not have`);
        assert.equal(stated, value, `${file}:${line}: the default of --${name}`);
        found++;
      }
    }
    assert.ok(found >= 20, `${found} defaults in running text`);
  });
});
