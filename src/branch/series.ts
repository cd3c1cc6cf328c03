/**
 * The branch's minute-by-minute history (docs/guia-api.md#historial): one sample of
 * `resumen_general` + `metricas` a minute, in its own SQLite table, kept 7 days.
 */
import { SERIE_RETENTION_MS, type SeriePoint, type StatusBody } from "../schemas/status";
import type { BranchSettings, BranchState } from "./model";
import type { Timer } from "./timer";
import type { ComponentView } from "./view";
import { buildSnapshot } from "./snapshot";
import { MINUTE } from "../utils/time";

/** Samples are kept as long as a range of `/serie` may reach back. */
export const SERIES_RETENTION_MS = SERIE_RETENTION_MS;

/** The start of the minute containing `ms`: each sample is labelled with its minute. */
export function minuteOf(ms: number): number {
  return ms - (((ms % MINUTE) + MINUTE) % MINUTE);
}

/** A snapshot's figures flattened beside its minute, as served. */
export function pointOf(minute: number, body: Pick<StatusBody, "resumen_general" | "metricas">): SeriePoint {
  return { en: new Date(minute).toISOString(), ...body.resumen_general, ...body.metricas };
}

export class SeriesStore {
  constructor(private readonly sql: SqlStorage) {
    this.createTable();
  }

  /** Idempotent; also run after `deleteAll()`. */
  createTable(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS series (at INTEGER PRIMARY KEY, data TEXT NOT NULL)`);
  }

  /** One row per minute: a second sample in the same minute replaces the first. */
  write(minute: number, point: SeriePoint): void {
    const { en: _, ...figures } = point;
    this.sql.exec(`INSERT OR REPLACE INTO series (at, data) VALUES (?, ?)`, minute, JSON.stringify(figures));
  }

  /** The samples whose minute lies in `[from, to]`, oldest first. */
  read(from: number, to: number): SeriePoint[] {
    const rows = this.sql.exec<{ at: number; data: string }>(
      `SELECT at, data FROM series WHERE at >= ? AND at <= ? ORDER BY at`,
      from,
      to,
    );
    return rows.toArray().map((row) => ({ en: new Date(row.at).toISOString(), ...JSON.parse(row.data) }));
  }

  lastMinute(): number | null {
    const row = this.sql.exec<{ at: number | null }>(`SELECT MAX(at) AS at FROM series`).toArray()[0];
    return row?.at ?? null;
  }

  forgetBefore(cutoff: number): void {
    this.sql.exec(`DELETE FROM series WHERE at < ?`, cutoff);
  }
}

/**
 * The Durable Object's part in the history: a timer that samples the figures once a minute (the first
 * sample at once) while the branch is configured, prunes what is over 7 days old, and reads a range.
 */
export class BranchHistory {
  private readonly store: SeriesStore;
  /** The minute of the latest sample; null before the first. */
  private lastSample: number | null;

  constructor(
    sql: SqlStorage,
    private readonly current: () => ComponentView,
  ) {
    this.store = new SeriesStore(sql);
    this.lastSample = this.store.lastMinute();
  }

  readonly timer: Timer = {
    nextAt: (now) => (this.current().settings ? (this.lastSample === null ? now : this.lastSample + MINUTE) : null),
    run: (now) => this.sample(now),
  };

  read(from: number, to: number): SeriePoint[] {
    return this.store.read(from, to);
  }

  /** After the object's storage was deleted. */
  reset(): void {
    this.store.createTable();
    this.lastSample = null;
  }

  private sample(now: number): void {
    const { state, settings, index } = this.current();
    if (!settings) return;
    const minute = minuteOf(now);
    this.store.write(minute, pointOf(minute, buildSnapshot(state, settings, now, { detalle: false }, index)));
    this.store.forgetBefore(now - SERIES_RETENTION_MS);
    this.lastSample = minute;
  }
}
