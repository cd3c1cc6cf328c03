/**
 * The branch's SQLite storage: every statement the Durable Object runs. The state is loaded once
 * and then written through inside the caller's transaction: a batch's changed chats, its new event
 * ids and the summary in a few multi-row statements.
 */
import { type BranchState, type Chat, type DailyFigures, type BranchSettings, type EventIdLedger, emptyState } from "./model";
import { HOUR } from "../utils/time";

/** Applied event ids are remembered this long (the contract asks for at least 24 hours). */
export const EVENT_ID_RETENTION_MS = 25 * HOUR;

/** How much chat JSON one statement binds (UTF-16 units): under 1 MB of UTF-8 whatever the text. */
const CHATS_PER_STATEMENT_CHARS = 256 * 1024;

/** Text SQLite may not hand back exactly as it was bound (NUL, UTF-16 surrogates). */
const UNSAFE_READ_BACK = /[\u0000\uD800-\uDFFF]/;

/** Durable Object SQLite binds at most this many values per statement. */
const MAX_BOUND_PARAMETERS = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

export class BranchStore {
  constructor(private readonly sql: SqlStorage) {
    this.createTables();
  }

  /** Idempotent; also run after `deleteAll()`, which drops the tables with everything else. */
  createTables(): void {
    const sql = this.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS chats (id INTEGER PRIMARY KEY, data TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    // Rows in the order they were applied (rowid): pruning needs no index on time (see forgetEventIdsBefore).
    sql.exec(`CREATE TABLE IF NOT EXISTS applied_events (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    // Objects created before that kept one, paid for on every insert.
    sql.exec(`DROP INDEX IF EXISTS applied_events_by_time`);
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
   * The applied-id ledger of one batch, in the caller's transaction. Every id of the batch not
   * applied before is inserted up front (a few multi-row statements; the rowids tell which ones
   * were new); `claim` and `release` then work in memory, and `settle` deletes the new ids that
   * were not claimed in the end (events that turned out stale are not remembered). An id that
   * SQLite would not read back as sent (a NUL, a surrogate) is looked up by position instead.
   */
  batchLedger(ids: string[], now: number): EventIdLedger & { settle(): void } {
    const distinct = [...new Set(ids)];
    const fresh = distinct.some((id) => UNSAFE_READ_BACK.test(id)) ? this.insertByPosition(distinct, now) : this.insertNew(distinct, now);
    const claimed = new Set<string>();
    return {
      claim: (id) => {
        if (!fresh.has(id) || claimed.has(id)) return false;
        claimed.add(id);
        return true;
      },
      release: (id) => void claimed.delete(id),
      settle: () => {
        const unclaimed = [...fresh].filter((id) => !claimed.has(id));
        for (const chunk of chunks(unclaimed, MAX_BOUND_PARAMETERS)) {
          this.sql.exec(`DELETE FROM applied_events WHERE id IN (${chunk.map(() => "?").join(",")})`, ...chunk);
        }
      },
    };
  }

  /**
   * Inserts the ids not there yet and returns those (?1 is the time, shared). A new row's rowid is
   * above every other, so when the maximum rowid grew by as many ids as were sent, all were new and
   * nothing is read back (the usual case); otherwise the new ones are the rows above the old maximum.
   */
  private insertNew(ids: string[], now: number): Set<string> {
    const before = this.lastEventRowid();
    for (const chunk of chunks(ids, MAX_BOUND_PARAMETERS - 1)) {
      const rows = chunk.map((_, i) => `(?${i + 2}, ?1)`).join(",");
      this.sql.exec(`INSERT OR IGNORE INTO applied_events (id, applied_at) VALUES ${rows}`, now, ...chunk);
    }
    if (this.lastEventRowid() - before === ids.length) return new Set(ids);
    return new Set(this.sql.exec<{ id: string }>(`SELECT id FROM applied_events WHERE rowid > ?`, before).toArray().map((row) => row.id));
  }

  private lastEventRowid(): number {
    return this.sql.exec<{ last: number | null }>(`SELECT max(rowid) AS last FROM applied_events`).one().last ?? 0;
  }

  /** The same for ids that may not read back as sent: positions of the known ones come back, then the others are inserted. */
  private insertByPosition(ids: string[], now: number): Set<string> {
    const known = new Set<number>();
    for (let start = 0; start < ids.length; start += MAX_BOUND_PARAMETERS) {
      const chunk = ids.slice(start, start + MAX_BOUND_PARAMETERS);
      const batch = chunk.map((_, i) => `(${start + i}, ?${i + 1})`).join(",");
      const query = `WITH batch (k, id) AS (VALUES ${batch}) SELECT k FROM batch WHERE EXISTS (SELECT 1 FROM applied_events WHERE applied_events.id = batch.id)`;
      for (const row of this.sql.exec<{ k: number }>(query, ...chunk)) known.add(row.k);
    }
    const fresh = ids.filter((_, k) => !known.has(k));
    for (const chunk of chunks(fresh, MAX_BOUND_PARAMETERS - 1)) {
      const rows = chunk.map((_, i) => `(?${i + 2}, ?1)`).join(",");
      this.sql.exec(`INSERT INTO applied_events (id, applied_at) VALUES ${rows}`, now, ...chunk);
    }
    return new Set(fresh);
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

  /**
   * Forgets the ids applied before `cutoff`. A new row's rowid is above every other, so rowid order
   * is the order ids were applied and the old ones are a prefix: it is deleted up to the first id
   * applied at or after the cutoff, a scan of the rows it deletes. A clock that stepped back can
   * only make an id be kept longer, never forgotten early.
   */
  forgetEventIdsBefore(cutoff: number): void {
    this.sql.exec(
      `DELETE FROM applied_events WHERE rowid < coalesce(
        (SELECT rowid FROM applied_events WHERE applied_at >= ?1 ORDER BY rowid LIMIT 1),
        (SELECT max(rowid) + 1 FROM applied_events))`,
      cutoff,
    );
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
