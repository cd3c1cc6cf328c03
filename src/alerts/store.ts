/**
 * The alert tables of the branch's SQLite: the rules with their webhook secrets and what each rule
 * last saw, and the outbox, whose finished rows are the delivery history.
 */
import type { AlertChannel, AlertDelivery, AlertRule, DeliveryResult } from "../schemas/alerts";
import type { RuleState } from "./evaluate";
import type { AlertKind, AlertPayload } from "./message";

/** The history keeps this many deliveries; older finished ones are deleted. */
export const HISTORY_SIZE = 100;

export type StoredRule = { rule: AlertRule; secret: string | null; state: RuleState };

export type Delivery = {
  id: string;
  ruleId: string;
  kind: AlertKind;
  channel: AlertChannel;
  payload: AlertPayload;
  result: DeliveryResult;
  attempts: number;
  lastAttemptAt: number | null;
  httpStatus: number | null;
  lastError: string | null;
  createdAt: number;
  nextAt: number | null;
};

type DeliveryRow = {
  id: string;
  rule_id: string;
  kind: string;
  channel: string;
  payload: string;
  result: string;
  attempts: number;
  last_attempt_at: number | null;
  http_status: number | null;
  last_error: string | null;
  created_at: number;
  next_at: number | null;
};

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

export class AlertStore {
  constructor(private readonly sql: SqlStorage) {
    this.createTables();
  }

  /** Idempotent; also run after `deleteAll()`. */
  createTables(): void {
    const sql = this.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS alert_rules (
      id TEXT PRIMARY KEY, position INTEGER NOT NULL, rule TEXT NOT NULL, secret TEXT, state TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS alert_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, rule_id TEXT NOT NULL, kind TEXT NOT NULL,
      channel TEXT NOT NULL, payload TEXT NOT NULL, result TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      last_attempt_at INTEGER, http_status INTEGER, last_error TEXT, created_at INTEGER NOT NULL, next_at INTEGER)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (result, next_at)`);
  }

  loadRules(): StoredRule[] {
    return this.sql
      .exec<{ rule: string; secret: string | null; state: string }>(`SELECT rule, secret, state FROM alert_rules ORDER BY position`)
      .toArray()
      .map((row) => ({ rule: JSON.parse(row.rule) as AlertRule, secret: row.secret, state: JSON.parse(row.state) as RuleState }));
  }

  replaceRules(rules: StoredRule[]): void {
    this.sql.exec(`DELETE FROM alert_rules`);
    rules.forEach(({ rule, secret, state }, position) => {
      this.sql.exec(
        `INSERT INTO alert_rules (id, position, rule, secret, state) VALUES (?, ?, ?, ?, ?)`,
        rule.id,
        position,
        JSON.stringify(rule),
        secret,
        JSON.stringify(state),
      );
    });
  }

  saveRuleState(id: string, state: RuleState): void {
    this.sql.exec(`UPDATE alert_rules SET state = ? WHERE id = ?`, JSON.stringify(state), id);
  }

  enqueue(delivery: Pick<Delivery, "id" | "ruleId" | "kind" | "channel" | "payload" | "createdAt">): void {
    this.sql.exec(
      `INSERT INTO alert_outbox (id, rule_id, kind, channel, payload, result, created_at, next_at) VALUES (?, ?, ?, ?, ?, 'pendiente', ?, ?)`,
      delivery.id,
      delivery.ruleId,
      delivery.kind,
      JSON.stringify(delivery.channel),
      JSON.stringify(delivery.payload),
      delivery.createdAt,
      delivery.createdAt,
    );
  }

  nextDeliveryAt(): number | null {
    const row = this.sql.exec<{ at: number | null }>(`SELECT MIN(next_at) AS at FROM alert_outbox WHERE result = 'pendiente'`).one();
    return row.at;
  }

  due(now: number, limit: number): Delivery[] {
    return this.sql
      .exec<DeliveryRow>(`SELECT * FROM alert_outbox WHERE result = 'pendiente' AND next_at <= ? ORDER BY next_at, seq LIMIT ?`, now, limit)
      .toArray()
      .map(toDelivery);
  }

  /** Written before an attempt: whatever happens to this run, the row is not picked up again before `retryAt`. */
  startAttempt(id: string, at: number, retryAt: number): void {
    this.sql.exec(`UPDATE alert_outbox SET attempts = attempts + 1, last_attempt_at = ?, next_at = ? WHERE id = ?`, at, retryAt, id);
  }

  /** The attempt's outcome; `retryAt` null ends the delivery with `result`, a time keeps it pending. */
  recordOutcome(id: string, result: DeliveryResult, httpStatus: number | null, error: string | null, retryAt: number | null): void {
    this.sql.exec(
      `UPDATE alert_outbox SET result = ?, http_status = ?, last_error = ?, next_at = ? WHERE id = ?`,
      result,
      httpStatus,
      error,
      retryAt,
      id,
    );
  }

  /** Finished rows beyond the newest HISTORY_SIZE go; pending ones stay until they finish. */
  trimHistory(): void {
    this.sql.exec(
      `DELETE FROM alert_outbox WHERE result != 'pendiente' AND seq NOT IN (SELECT seq FROM alert_outbox ORDER BY seq DESC LIMIT ?)`,
      HISTORY_SIZE,
    );
  }

  history(): AlertDelivery[] {
    return this.sql
      .exec<DeliveryRow>(`SELECT * FROM alert_outbox ORDER BY seq DESC LIMIT ?`, HISTORY_SIZE)
      .toArray()
      .map(toDelivery)
      .map((delivery) => ({
        id: delivery.id,
        regla: delivery.ruleId,
        canal: delivery.channel.tipo,
        disparada_en: iso(delivery.createdAt) as string,
        mensaje: delivery.payload.mensaje,
        resultado: delivery.result,
        intentos: delivery.attempts,
        ultimo_intento_en: iso(delivery.lastAttemptAt),
        estado_http: delivery.httpStatus,
        error: delivery.lastError,
        tipo: delivery.kind,
        proximo_intento_en: delivery.result === "pendiente" ? iso(delivery.nextAt) : null,
      }));
  }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    ruleId: row.rule_id,
    kind: row.kind as AlertKind,
    channel: JSON.parse(row.channel) as AlertChannel,
    payload: JSON.parse(row.payload) as AlertPayload,
    result: row.result as DeliveryResult,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    httpStatus: row.http_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    nextAt: row.next_at,
  };
}
