/**
 * The branch's SQLite storage: every statement the Durable Object runs. The state is loaded once
 * and then written through, a changed chat at a time, inside the caller's transaction.
 */
import { type BranchState, type Chat, type DailyFigures, type BranchSettings, emptyState } from "./model";
import { HOUR } from "../utils/time";

/** Applied event ids are remembered this long (the contract asks for at least 24 hours). */
export const EVENT_ID_RETENTION_MS = 25 * HOUR;

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
   * of a lookup and an insert, on the hot path of every event.
   */
  claimEventId(eventId: string, now: number): boolean {
    return this.sql.exec(`INSERT OR IGNORE INTO applied_events (id, applied_at) VALUES (?, ?)`, eventId, now).rowsWritten > 0;
  }

  /** Forgets an id claimed for an event that turned out stale (stale events are not remembered). */
  releaseEventId(eventId: string): void {
    this.sql.exec(`DELETE FROM applied_events WHERE id = ?`, eventId);
  }

  saveChat(chat: Chat): void {
    this.sql.exec(`INSERT OR REPLACE INTO chats (id, data) VALUES (?, ?)`, chat.id_resumen, JSON.stringify(chat));
  }

  deleteChat(id: number): void {
    this.sql.exec(`DELETE FROM chats WHERE id = ?`, id);
  }

  deleteAllChats(): void {
    this.sql.exec(`DELETE FROM chats`);
  }

  /** Everything but the chats themselves: small, written whole after each change. */
  saveSummary(state: BranchState): void {
    this.setMeta("daily", [...state.daily]);
    this.setMeta("fence_at", state.fenceAt);
    this.setMeta("version", state.version);
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
