/**
 * The branch's SQLite storage: every statement the Durable Object runs. The state is loaded once
 * and then written through inside the caller's transaction: an event id at a time as the batch is
 * applied, then its changed chats and the summary in a few multi-row statements.
 */
import { type BranchState, type Chat, type DailyFigures, type BranchSettings, emptyState } from "./model";
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
   * Records an event id unless it is already there: true when it was new. One statement instead
   * of a lookup and an insert, on the hot path of every event. (Batching the ids into multi-row
   * statements was measured, bench/entry.ts's steps probe: no faster, since SQLite's own insert
   * per id dominates, and ids SQLite folds on reading back make it subtle.)
   */
  claimEventId(eventId: string, now: number): boolean {
    return this.sql.exec(`INSERT OR IGNORE INTO applied_events (id, applied_at) VALUES (?, ?)`, eventId, now).rowsWritten > 0;
  }

  /** Forgets an id claimed for an event that turned out stale (stale events are not remembered). */
  releaseEventId(eventId: string): void {
    this.sql.exec(`DELETE FROM applied_events WHERE id = ?`, eventId);
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
