/**
 * `masterserver ban add|list|remove`: the bans of the store in `--data-dir`
 * (or Redis), checked as the admin API checks them and audited as done by
 * `cli`. A running MS applies a change within a second.
 *
 * @module
 */

import { type Ban, banJson, checkNewBan, inForce, isoTime } from '../moderation/bans.js';
import { CLI_ACTOR } from '../moderation/moderation-store.js';
import { type FlagSpecs, flagValue, positionals, readFlags, storeFlags } from './flags.js';
import { CliStores } from './stores.js';
import type { Print } from './token.js';
import { UsageError } from './values.js';

/** The flags of the `ban` commands. */
export const banFlags: FlagSpecs = {
  ...storeFlags,
  reason: { type: 'string', value: 'TEXT', help: 'why: shown to the banned (add; required)' },
  for: { type: 'string', value: 'DUR', help: 'how long, e.g. 30m, 12h, 7d (add; default for ever)' },
  force: { type: 'boolean', help: 'allow a ban that matches everything, like 0.0.0.0/0 or an empty name (add)' },
  all: { type: 'boolean', help: 'also list expired bans (list)' },
  json: { type: 'boolean', help: 'print JSON for scripts' },
  help: { type: 'boolean', help: 'show this help' },
};

/** Where each field of a new ban comes from on the command line, for errors. */
const FIELD_SOURCE: Record<string, string> = { kind: 'KIND', value: 'VALUE', reason: '--reason', for: '--for' };

/** Runs a `ban` subcommand; resolves the exit status. */
export async function ban(argv: readonly string[], env: NodeJS.ProcessEnv, print: Print): Promise<number | 'help'> {
  const raw = readFlags(argv, banFlags, env, true);
  if (raw.values.has('help')) return 'help';
  const [action, ...rest] = raw.positionals;
  const json = raw.values.has('json');
  const stores = new CliStores(raw);
  if (action === 'add') {
    const [kind, value] = positionals('ban add', rest, ['KIND (ip, name or player)', 'VALUE']);
    const reason = flagValue(raw, 'reason', (text) => text);
    if (reason === undefined) throw new UsageError('ban add: --reason TEXT is required');
    const fields = checkNewBan(
      { kind, value, reason, for: flagValue(raw, 'for', (text) => text), force: raw.values.has('force') },
      Date.now(),
    );
    if ('field' in fields) {
      const source = FIELD_SOURCE[fields.field] ?? fields.field;
      throw new UsageError(`ban add: ${source}${fields.message.slice(fields.field.length)}`);
    }
    return stores.use(async () => {
      const added = await (await stores.moderation()).addBan(fields, CLI_ACTOR);
      print(json ? JSON.stringify(banJson(added)) : added.id);
      return 0;
    });
  }
  if (action === 'list') {
    positionals('ban list', rest, []);
    const now = Date.now();
    return stores.use(async () => {
      const all = await (await stores.moderation()).bans();
      const bans = raw.values.has('all') ? all : all.filter((b) => inForce(b, now));
      if (json) print(JSON.stringify(bans.map(banJson)));
      else for (const b of bans) print(formatBan(b, now));
      return 0;
    });
  }
  if (action === 'remove') {
    const [id] = positionals('ban remove', rest, ['ID']) as [string];
    return stores.use(async () => {
      if ((await (await stores.moderation()).removeBan(id, CLI_ACTOR, Date.now())) === undefined) {
        process.stderr.write(`masterserver ban remove: no ban has the id "${id}"\n`);
        return 1;
      }
      print(json ? JSON.stringify({ id, removed: true }) : `Lifted ban ${id}.`);
      return 0;
    });
  }
  throw new UsageError(
    action === undefined ? 'ban: say add, list or remove' : `ban: unknown command "${action}" (add, list, remove)`,
  );
}

/** One line of `ban list`: id, kind, value, reason, created, expires (or `never`), and `expired` when it has. */
function formatBan(b: Ban, now: number): string {
  const fields = [b.id, b.kind, b.value, b.reason, isoTime(b.createdAt), isoTime(b.expiresAt) ?? 'never'];
  if (!inForce(b, now)) fields.push('expired');
  return fields.join('\t');
}
