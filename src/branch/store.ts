/**
 * The branch's SQLite storage: every statement the Durable Object runs. The state is loaded once
 * and then written through, a changed chat at a time, inside the caller's transaction.
 */
import { type BranchState, type Chat, type DailyFigures, type BranchSettings, type EventIdLedger, emptyState } from "./model";
import { HOUR } from "../utils/time";

/** Applied event ids are remembered this long (the contract asks for at least 24 hours). */
export const EVENT_ID_RETENTION_MS = 25 * HOUR;

/** How much chat JSON one statement binds (UTF-16 units): under 1 MB of UTF-8 whatever the text. */
const CHATS_PER_STATEMENT_CHARS = 256 * 1024;

export class BranchStore {
  constructor(private readonly sql: SqlStorage) {
    this.createTables();
  }

  /** Idempotent; also run after `deleteAll()`, which drops the tables with everything else. */
  createTables(): void {
    const sql = this.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS chats (id INTEGER PRIMARY KEY, data TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS applied_events (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS applied_events_by_time ON applied_events (applied_at)`);
  }

  load(): BranchState {
    const state = emptyState();
    for (const row of this.sql.exec<{ data: string }>(`SELECT data FROM chats`)) {
      const chat = JSON.parse(row.data) as Chat;
      state.chats.set(chat.id_resumen, chat);
    }
    state.daily = new Map(this.meta<[string, DailyFigures][]>("daily") ?? []);
    state.fenceAt = this.meta<number>("fence_at") ?? 0;
    state.version = this.meta<number>("version") ?? 0;
    return state;
  }

  loadSettings(): BranchSettings | null {
    return this.meta<BranchSettings>("settings");
  }

  saveSettings(settings: BranchSettings): void {
    this.setMeta("settings", settings);
  }

  /**
   * The applied-id ledger of one batch: the batch's ids already applied are looked up in one
   * statement up front; `claim` and `release` then work in memory, and `record` stores the ids
   * claimed in the end, in one statement (in the caller's transaction, with the chats they changed).
   */
  batchLedger(ids: string[]): EventIdLedger & { record(now: number): void } {
    const known = new Set<string>();
    const query = `SELECT id FROM applied_events WHERE id IN (SELECT value FROM json_each(?))`;
    for (const row of this.sql.exec<{ id: string }>(query, JSON.stringify(ids))) known.add(row.id);
    const claimed = new Set<string>();
    return {
      claim: (id) => {
        if (known.has(id) || claimed.has(id)) return false;
        claimed.add(id);
        return true;
      },
      release: (id) => void claimed.delete(id),
      record: (now) => {
        if (claimed.size === 0) return;
        this.sql.exec(`INSERT INTO applied_events (id, applied_at) SELECT value, ? FROM json_each(?)`, now, JSON.stringify([...claimed]));
      },
    };
  }

  /**
   * Writes these chats' rows, each the chat's JSON as `load` reads it: a few hundred kilobytes per
   * statement (a bound value must stay under SQLite's 2 MB), so a batch's chats take one statement.
   */
  saveChats(chats: Iterable<Chat>): void {
    let rows: string[] = [];
    let size = 0;
    const flush = () => {
      if (rows.length === 0) return;
      this.sql.exec(`INSERT OR REPLACE INTO chats (id, data) SELECT json_extract(value, '$.id_resumen'), value FROM json_each(?)`, `[${rows.join(",")}]`);
      rows = [];
      size = 0;
    };
    for (const chat of chats) {
      const row = JSON.stringify(chat);
      // Counted in UTF-16 units: at most 3 bytes each in UTF-8.
      if (size + row.length > CHATS_PER_STATEMENT_CHARS) flush();
      rows.push(row);
      size += row.length + 1;
    }
    flush();
  }

  deleteChat(id: number): void {
    this.sql.exec(`DELETE FROM chats WHERE id = ?`, id);
  }

  deleteAllChats(): void {
    this.sql.exec(`DELETE FROM chats`);
  }

  /** Everything but the chats themselves: small, written whole after each change, in one statement. */
  saveSummary(state: BranchState): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO meta (key, value) VALUES ('daily', ?), ('fence_at', ?), ('version', ?)`,
      JSON.stringify([...state.daily]),
      JSON.stringify(state.fenceAt),
      JSON.stringify(state.version),
    );
  }

  forgetEventIdsBefore(cutoff: number): void {
    this.sql.exec(`DELETE FROM applied_events WHERE applied_at < ?`, cutoff);
  }

  getMeta<T>(key: string): T | null {
    return this.meta<T>(key);
  }

  setMeta(key: string, value: unknown): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
  }

  private meta<T>(key: string): T | null {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }
}
