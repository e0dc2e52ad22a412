/**
 * `masterserver token create|list|revoke`: manages the registration tokens of
 * the store in `--data-dir`. A running MS sees the changes within a second.
 *
 * @module
 */

import { SqliteTokenStore } from '../tokens/sqlite-token-store.js';
import type { TokenRecord, TokenStore } from '../tokens/token-store.js';
import { type FlagSpecs, flagValue, readFlags, storeFlags } from './flags.js';
import { parseRedisUrl, UsageError } from './values.js';

/** The flags of the `token` commands. */
export const tokenFlags: FlagSpecs = {
  ...storeFlags,
  name: { type: 'string', value: 'NAME', help: 'label of the new token (create)' },
  json: { type: 'boolean', help: 'print JSON for scripts' },
  help: { type: 'boolean', help: 'show this help' },
};

/** Writes output; injectable for tests. */
export type Print = (line: string) => void;

const iso = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString());

/** Runs a `token` subcommand; resolves the exit status. */
export async function token(argv: readonly string[], env: NodeJS.ProcessEnv, print: Print): Promise<number | 'help'> {
  const raw = readFlags(argv, tokenFlags, env, true);
  if (raw.values.has('help')) return 'help';
  const [action, ...rest] = raw.positionals;
  const json = raw.values.has('json');
  const dataDir = flagValue(raw, 'data-dir', (text) => text) ?? './data';
  const redis = flagValue(raw, 'redis', parseRedisUrl);
  const withStore = async (run: (store: TokenStore) => Promise<number>): Promise<number> => {
    const store =
      redis === undefined
        ? new SqliteTokenStore(dataDir)
        : await (await import('../cluster/cluster.js')).openRedisTokenStore(redis);
    try {
      return await run(store);
    } finally {
      await store.close();
    }
  };
  if (action === 'create') {
    const name = flagValue(raw, 'name', (text) => text.trim());
    if (name === undefined || name === '') throw new UsageError('token create: --name NAME is required');
    if (rest.length > 0) throw new UsageError(`token create: unexpected argument "${rest[0]}"`);
    return withStore(async (store) => {
      const { record, token } = await store.create(name);
      if (json) print(JSON.stringify({ id: record.id, name: record.name, token }));
      else {
        print(`Created registration token ${record.id} (${record.name}). It is shown only this once:`);
        print(token);
      }
      return 0;
    });
  }
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`token list: unexpected argument "${rest[0]}"`);
    return withStore(async (store) => {
      const records = await store.list();
      if (json) print(JSON.stringify(records.map(toJson)));
      else for (const r of records) print(formatRecord(r));
      return 0;
    });
  }
  if (action === 'revoke') {
    const [id, extra] = rest;
    if (id === undefined) throw new UsageError('token revoke: the token ID is required');
    if (extra !== undefined) throw new UsageError(`token revoke: unexpected argument "${extra}"`);
    return withStore(async (store) => {
      if (!(await store.revoke(id))) {
        process.stderr.write(`masterserver token revoke: no token has the id "${id}"\n`);
        return 1;
      }
      if (json) print(JSON.stringify({ id, revoked: true }));
      else print(`Revoked registration token ${id}.`);
      return 0;
    });
  }
  throw new UsageError(
    action === undefined
      ? 'token: say create, list or revoke'
      : `token: unknown command "${action}" (create, list, revoke)`,
  );
}

function toJson(record: TokenRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    createdAt: new Date(record.createdAt).toISOString(),
    lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
    revoked: record.revoked,
  };
}

function formatRecord(r: TokenRecord): string {
  return [r.id, r.name, iso(r.createdAt), iso(r.lastUsedAt), r.revoked ? 'revoked' : 'active'].join('\t');
}
