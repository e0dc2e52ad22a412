/**
 * The token store of a single masterserver: an SQLite file under the data
 * directory, shared safely between `masterserver serve` and the `token`
 * commands run beside it.
 *
 * @module
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  type AdminTokenEntry,
  generateToken,
  generateTokenId,
  hashToken,
  type TokenRecord,
  type TokenRole,
  type TokenStore,
} from './token-store.js';

interface Row {
  id: string;
  name: string;
  role: TokenRole;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The file name of the store inside the data directory. */
export const TOKEN_DB_FILE = 'masterserver.db';

/**
 * Opens (creating when needed) `<dataDir>/masterserver.db`, in WAL mode and waiting up to 5 s for a
 * lock, so that `serve` and the commands run beside it share it safely.
 */
export function openStoreDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, TOKEN_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** A {@link TokenStore} in `<dataDir>/masterserver.db`. */
export class SqliteTokenStore implements TokenStore {
  readonly #db: Database.Database;
  #localWrites = 0;

  /** Opens (creating when needed) the store in `dataDir`. */
  constructor(dataDir: string) {
    this.#db = openStoreDatabase(dataDir);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL DEFAULT 'registration',
      hash BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER
    )`);
    // A store made before tokens had roles holds registration tokens only.
    const columns = this.#db.prepare('PRAGMA table_info(tokens)').all() as Array<{ name: string }>;
    if (!columns.some((column) => column.name === 'role')) {
      this.#db.exec("ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'registration'");
    }
    this.#db.exec('CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)');
  }

  async create(name: string, role: TokenRole = 'registration'): Promise<{ record: TokenRecord; token: string }> {
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const createdAt = Date.now();
    for (;;) {
      const id = generateTokenId();
      const token = generateToken(id);
      if (insert.run(id, name, role, hashToken(token), createdAt).changes === 1) {
        this.#localWrites++;
        return { record: { id, name, role, createdAt, lastUsedAt: null, revoked: false }, token };
      }
    }
  }

  async list(): Promise<TokenRecord[]> {
    const rows = this.#db
      .prepare('SELECT id, name, role, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id')
      .all() as Row[];
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revoked: row.revoked_at !== null,
    }));
  }

  async revoke(id: string): Promise<boolean> {
    const found = this.#db.prepare('SELECT revoked_at FROM tokens WHERE id = ?').get(id) as Row | undefined;
    if (found === undefined) return false;
    this.#db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(Date.now(), id);
    this.#localWrites++;
    return true;
  }

  async activeHashes(): Promise<Map<string, Buffer>> {
    const rows = this.#db
      .prepare("SELECT id, hash FROM tokens WHERE revoked_at IS NULL AND role = 'registration'")
      .all() as Array<{ id: string; hash: Buffer }>;
    return new Map(rows.map((row) => [row.id, row.hash]));
  }

  async activeAdminTokens(): Promise<Map<string, AdminTokenEntry>> {
    const rows = this.#db
      .prepare("SELECT id, name, hash FROM tokens WHERE revoked_at IS NULL AND role = 'admin'")
      .all() as Array<{ id: string; name: string; hash: Buffer }>;
    return new Map(rows.map((row) => [row.id, { hash: row.hash, name: row.name }]));
  }

  async changeMarker(): Promise<string> {
    // data_version moves when another connection commits; our own writes are counted here.
    return `${this.#db.pragma('data_version', { simple: true })}:${this.#localWrites}`;
  }

  async markUsed(ids: readonly string[], at: number): Promise<void> {
    const update = this.#db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) update.run(at, id);
    })();
  }

  async secret(name: string, create: () => Buffer): Promise<Buffer> {
    // INSERT OR IGNORE: a process that starts at the same time and wrote first wins, and both read its value.
    this.#db.prepare('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)').run(name, create());
    return (this.#db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: Buffer }).value;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
