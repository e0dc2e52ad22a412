/**
 * The bans and the audit log of a single masterserver: tables of the SQLite
 * file under the data directory that also holds the tokens, shared safely
 * between `masterserver serve` and the commands run beside it.
 *
 * @module
 */

import type Database from 'better-sqlite3';
import { openStoreDatabase } from '../tokens/sqlite-token-store.js';
import { type Ban, type BanKind, generateBanId, type NewBan } from './bans.js';
import {
  type Actor,
  AUDIT_LIMIT,
  type AuditAction,
  type AuditEntry,
  banAdded,
  banRemoved,
  type ModerationStore,
} from './moderation-store.js';

interface BanRow {
  id: string;
  kind: BanKind;
  value: string;
  reason: string;
  created_at: number;
  expires_at: number | null;
}

interface AuditRow {
  time: number;
  actor_id: string;
  actor_name: string;
  action: AuditAction;
  target: string;
  reason: string | null;
}

const toBan = (row: BanRow): Ban => ({
  id: row.id,
  kind: row.kind,
  value: row.value,
  reason: row.reason,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** A {@link ModerationStore} in `<dataDir>/masterserver.db`. */
export class SqliteModerationStore implements ModerationStore {
  readonly #db: Database.Database;
  readonly #limit: number;
  readonly #insertAudit: Database.Statement;
  readonly #trimAudit: Database.Statement;
  readonly #bump: Database.Statement;

  /** Opens (creating when needed) the store in `dataDir`; `auditLimit`: entries kept (default {@link AUDIT_LIMIT}). */
  constructor(dataDir: string, options: { auditLimit?: number } = {}) {
    this.#limit = options.auditLimit ?? AUDIT_LIMIT;
    this.#db = openStoreDatabase(dataDir);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS bans (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      value TEXT NOT NULL,
      reason TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER
    )`);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS audit (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      time INTEGER NOT NULL,
      actor_id TEXT NOT NULL,
      actor_name TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT NOT NULL,
      reason TEXT
    )`);
    // Bumped with every change of the bans: what a running masterserver polls (the tokens' writes leave it alone).
    this.#db.exec('CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    this.#insertAudit = this.#db.prepare(
      'INSERT INTO audit (time, actor_id, actor_name, action, target, reason) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#trimAudit = this.#db.prepare('DELETE FROM audit WHERE seq <= ?');
    this.#bump = this.#db.prepare(
      "INSERT INTO counters (name, value) VALUES ('bans', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
    );
  }

  async addBan(fields: NewBan, actor: Actor): Promise<Ban> {
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO bans (id, kind, value, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    return this.#db.transaction((): Ban => {
      for (;;) {
        const ban: Ban = { id: generateBanId(), ...fields };
        if (insert.run(ban.id, ban.kind, ban.value, ban.reason, ban.createdAt, ban.expiresAt).changes === 1) {
          this.#append(banAdded(ban, actor));
          this.#bump.run();
          return ban;
        }
      }
    })();
  }

  async removeBan(id: string, actor: Actor, now: number): Promise<Ban | undefined> {
    return this.#db.transaction((): Ban | undefined => {
      const row = this.#db.prepare('SELECT * FROM bans WHERE id = ?').get(id) as BanRow | undefined;
      if (row === undefined) return undefined;
      const ban = toBan(row);
      this.#db.prepare('DELETE FROM bans WHERE id = ?').run(id);
      this.#append(banRemoved(id, actor, now));
      this.#bump.run();
      return ban;
    })();
  }

  async bans(): Promise<Ban[]> {
    return (this.#db.prepare('SELECT * FROM bans ORDER BY created_at, id').all() as BanRow[]).map(toBan);
  }

  async changeMarker(): Promise<string> {
    const row = this.#db.prepare("SELECT value FROM counters WHERE name = 'bans'").get() as
      | { value: number }
      | undefined;
    return String(row?.value ?? 0);
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.#db.transaction(() => this.#append(entry))();
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const rows = this.#db
      .prepare('SELECT time, actor_id, actor_name, action, target, reason FROM audit ORDER BY seq DESC LIMIT ?')
      .all(Math.max(0, Math.min(limit, this.#limit))) as AuditRow[];
    return rows.map((row) => ({
      time: row.time,
      actor: { id: row.actor_id, name: row.actor_name },
      action: row.action,
      target: row.target,
      reason: row.reason,
    }));
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  /** Appends `entry` and drops what falls beyond the limit (inside the caller's transaction). */
  #append(entry: AuditEntry): void {
    const { lastInsertRowid } = this.#insertAudit.run(
      entry.time,
      entry.actor.id,
      entry.actor.name,
      entry.action,
      entry.target,
      entry.reason,
    );
    const oldest = Number(lastInsertRowid) - this.#limit;
    if (oldest > 0) this.#trimAudit.run(oldest);
  }
}
