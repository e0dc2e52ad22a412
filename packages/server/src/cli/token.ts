/**
 * `masterserver token create|list|revoke`: manages the registration and admin
 * tokens of the store in `--data-dir` (or Redis). A running MS sees the
 * changes within a second; creating and revoking are written to the audit log.
 *
 * @module
 */

import { CLI_ACTOR } from '../moderation/moderation-store.js';
import type { TokenRecord } from '../tokens/token-store.js';
import { type FlagSpecs, flagValue, positionals, readFlags, storeFlags } from './flags.js';
import { CliStores } from './stores.js';
import { UsageError } from './values.js';

/** The flags of the `token` commands. */
export const tokenFlags: FlagSpecs = {
  ...storeFlags,
  name: { type: 'string', value: 'NAME', help: 'label of the new token (create)' },
  admin: { type: 'boolean', help: 'create an admin token: it opens the admin API and never registers (create)' },
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
  const stores = new CliStores(raw);
  if (action !== 'create' && raw.values.has('admin')) throw new UsageError('--admin goes with token create');
  if (action === 'create') {
    const name = flagValue(raw, 'name', (text) => text.trim());
    if (name === undefined || name === '') throw new UsageError('token create: --name NAME is required');
    positionals('token create', rest, []);
    const role = raw.values.has('admin') ? 'admin' : 'registration';
    return stores.use(async () => {
      const audit = await stores.moderation();
      const { record, token } = await (await stores.tokens()).create(name, role);
      const target = `token:${record.id}`;
      await audit.audit({ time: record.createdAt, actor: CLI_ACTOR, action: 'token.create', target, reason: null });
      if (json) print(JSON.stringify({ id: record.id, name: record.name, token }));
      else {
        print(`Created ${role} token ${record.id} (${record.name}). It is shown only this once:`);
        print(token);
      }
      return 0;
    });
  }
  if (action === 'list') {
    positionals('token list', rest, []);
    return stores.use(async () => {
      const records = await (await stores.tokens()).list();
      if (json) print(JSON.stringify(records.map(toJson)));
      else for (const r of records) print(formatRecord(r));
      return 0;
    });
  }
  if (action === 'revoke') {
    const [id] = positionals('token revoke', rest, ['ID']) as [string];
    return stores.use(async () => {
      const tokens = await stores.tokens();
      const audit = await stores.moderation();
      const before = (await tokens.list()).find((record) => record.id === id);
      if (before === undefined || !(await tokens.revoke(id))) {
        process.stderr.write(`masterserver token revoke: no token has the id "${id}"\n`);
        return 1;
      }
      // Only a change is audited: revoking a revoked token changes nothing.
      if (!before.revoked) {
        await audit.audit({
          time: Date.now(),
          actor: CLI_ACTOR,
          action: 'token.revoke',
          target: `token:${id}`,
          reason: null,
        });
      }
      if (json) print(JSON.stringify({ id, revoked: true }));
      else print(`Revoked ${before.role} token ${id}.`);
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
    role: record.role,
    createdAt: new Date(record.createdAt).toISOString(),
    lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
    revoked: record.revoked,
  };
}

function formatRecord(r: TokenRecord): string {
  return [r.id, r.name, r.role, iso(r.createdAt), iso(r.lastUsedAt), r.revoked ? 'revoked' : 'active'].join('\t');
}
