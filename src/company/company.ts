/**
 * The company's Durable Object (one per empresa, named by it): the fan-in of its branches' light
 * figures (docs/empresa.md). It is a thin shell around the pure roll-up (rollup.ts):
 *
 * - `setBranch` / `removeBranch`: the branch list, from provisioning and deprovisioning (the admin
 *   API), never from a KV scan. Removing a branch forgets its report.
 * - `report(report)`: a branch object's latest figures (src/branch/company-report.ts). Kept only
 *   if the branch is in the list and (version, generatedAt) is higher than the stored one, so a
 *   report that arrives twice, late or after deprovisioning changes nothing.
 * - `serializedRollup(options)`: the company body as JSON with its ETag, memoized per revision.
 * - `reports()`: every stored report with the branch list, for other company views (the
 *   Prometheus metrics, the manager's panel): everything §8 of the metrics needs per branch
 *   (per-state counts, buckets, closed, waiting for the customer, oldest wait start and Σ of wait
 *   starts for whole-second waits at read time, the day's first-response and service-level sums,
 *   agent and department loads, version, generatedAt), for the whole branch and per department.
 *
 * - `fetch`: the company WebSocket (docs/empresa.md#en-vivo), already authorised by the Worker: the
 *   body on connect, after every change (at most one a second) and every minute, with the branch
 *   object's hibernating feed (branch/live.ts); sockets of a revoked company token close within a minute.
 *
 * Everything is in its own SQLite and written through, so a restart loses nothing.
 */
import { DurableObject } from "cloudflare:workers";
import { COMPANY_TOKEN_PREFIX } from "../auth/company-token";
import { type LiveAttachment, LiveFeed } from "../branch/live";
import type { SerializedSnapshot } from "../branch/snapshot-memo";
import { readCompany } from "../config/store";
import { BranchReport, type CompanyBody, type CompanyBranch } from "../schemas/company";
import { type RollupOptions, rollup } from "./rollup";

export type CompanyReports = { empresa: string | null; branches: CompanyBranch[]; reports: BranchReport[] };

/**
 * The company WebSocket's upgrade as the Worker hands it to the object: the empresa and the
 * socket's attachment travel in the URL, never the token itself.
 */
export function companyUpgradeRequest(empresa: string, attachment: LiveAttachment<RollupOptions>): Request {
  const url = new URL("https://company.internal/live");
  url.searchParams.set("empresa", empresa);
  url.searchParams.set("attachment", JSON.stringify(attachment));
  return new Request(url, { headers: { Upgrade: "websocket" } });
}

const MAX_MEMO = 32;

/** FNV-1a of the options, so an ETag tells option sets apart without carrying user text. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

const bySucursal = (a: CompanyBranch, b: CompanyBranch) => (a.sucursal < b.sucursal ? -1 : a.sucursal > b.sucursal ? 1 : 0);

export class Company extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private empresa: string | null = null;
  private branches = new Map<string, CompanyBranch>();
  private readonly stored = new Map<string, BranchReport>();
  /** Grows with every accepted change; with `revisedAt`, names the roll-up's bytes. */
  private revision = 0;
  private revisedAt = 0;
  private readonly memo = new Map<string, SerializedSnapshot & { revision: number }>();
  private readonly live: LiveFeed<RollupOptions, CompanyBody>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.live = new LiveFeed<RollupOptions, CompanyBody>(ctx, {
      snapshot: (options) => (this.empresa ? rollup(this.empresa, this.list(), this.stored, options, this.revisedAt || Date.now()) : null),
      activeTokenIds: () => this.activeTokenIds(),
    });
    ctx.blockConcurrencyWhile(async () => this.load());
  }

  private load(): void {
    const sql = this.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS branches (sucursal TEXT PRIMARY KEY, data TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS reports (sucursal TEXT PRIMARY KEY, data TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    for (const row of sql.exec<{ data: string }>(`SELECT data FROM branches`)) {
      const branch = JSON.parse(row.data) as CompanyBranch;
      this.branches.set(branch.sucursal, branch);
    }
    for (const row of sql.exec<{ data: string }>(`SELECT data FROM reports`)) {
      const report = JSON.parse(row.data) as BranchReport;
      this.stored.set(report.sucursal, report);
    }
    const meta = new Map(sql.exec<{ key: string; value: string }>(`SELECT key, value FROM meta`).toArray().map((row) => [row.key, JSON.parse(row.value)]));
    this.empresa = meta.get("empresa") ?? null;
    this.revision = meta.get("revision") ?? 0;
    this.revisedAt = meta.get("revised_at") ?? 0;
  }

  /** Provisioning (or an update of a branch's name or zone): returns the branch list, ordered. */
  async setBranch(empresa: string, branch: CompanyBranch): Promise<CompanyBranch[]> {
    const current = this.branches.get(branch.sucursal);
    const value = { sucursal: branch.sucursal, nombre: branch.nombre, zona_horaria: branch.zona_horaria };
    if (this.empresa === empresa && current && JSON.stringify(current) === JSON.stringify(value)) return this.list();
    this.write(() => {
      this.setMeta("empresa", empresa);
      this.sql.exec(`INSERT OR REPLACE INTO branches (sucursal, data) VALUES (?, ?)`, value.sucursal, JSON.stringify(value));
    });
    this.empresa = empresa;
    this.branches.set(value.sucursal, value);
    return this.list();
  }

  /** Deprovisioning: the branch and its report go; later reports from it are dropped. */
  async removeBranch(sucursal: string): Promise<CompanyBranch[]> {
    if (!this.branches.has(sucursal)) return this.list();
    this.write(() => {
      this.sql.exec(`DELETE FROM branches WHERE sucursal = ?`, sucursal);
      this.sql.exec(`DELETE FROM reports WHERE sucursal = ?`, sucursal);
    });
    this.branches.delete(sucursal);
    this.stored.delete(sucursal);
    return this.list();
  }

  async branchList(): Promise<CompanyBranch[]> {
    return this.list();
  }

  /** A branch's figures; `accepted` says whether they replaced the stored ones. */
  async report(input: BranchReport): Promise<{ accepted: boolean }> {
    const parsed = BranchReport.safeParse(input);
    if (!parsed.success) return { accepted: false };
    const report = parsed.data;
    if (!this.branches.has(report.sucursal)) return { accepted: false };
    const current = this.stored.get(report.sucursal);
    if (current && (report.version < current.version || (report.version === current.version && report.generatedAt <= current.generatedAt))) {
      return { accepted: false };
    }
    this.write(() => this.sql.exec(`INSERT OR REPLACE INTO reports (sucursal, data) VALUES (?, ?)`, report.sucursal, JSON.stringify(report)));
    this.stored.set(report.sucursal, report);
    return { accepted: true };
  }

  /** Every stored report (ordered by sucursal) and the branch list: the raw material of company views. */
  async reports(): Promise<CompanyReports> {
    const branches = this.list();
    const reports = branches.flatMap((branch) => {
      const report = this.stored.get(branch.sucursal);
      return report ? [report] : [];
    });
    return { empresa: this.empresa, branches, reports };
  }

  /** The company body for these options, as JSON with its ETag; rebuilt only after a change. */
  async serializedRollup(empresa: string, options: RollupOptions): Promise<SerializedSnapshot> {
    const key = options.departamento ?? "";
    const held = this.memo.get(key);
    if (held && held.revision === this.revision) return held;
    const body = rollup(empresa, this.list(), this.stored, options, this.revisedAt || Date.now());
    const entry = { json: JSON.stringify(body), etag: `"e${this.revision}-${this.revisedAt.toString(36)}-${shortHash(key)}"`, revision: this.revision };
    if (!held && this.memo.size >= MAX_MEMO) this.memo.clear();
    this.memo.set(key, entry);
    return entry;
  }

  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const attachment = JSON.parse(params.get("attachment")!) as LiveAttachment<RollupOptions>;
    this.empresa ??= params.get("empresa");
    const response = this.live.connect(attachment, Date.now());
    await this.scheduleAlarm();
    return response;
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.live.message(ws, message);
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.live.closed(ws, code);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.live.closed(ws);
  }

  async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.live.timer.nextAt(now);
    if (due !== null && due <= now) await this.live.timer.run(now);
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.live.timer.nextAt(Date.now());
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current !== next) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  /** The active company tokens, fresh from KV; null once the company has no branch (its endpoints are 404). */
  private async activeTokenIds(): Promise<Set<string> | null> {
    const company = this.empresa ? await readCompany(this.env.CONFIG, this.empresa) : null;
    if (!company || company.sucursales.length === 0) return null;
    return new Set(company.tokens.map((token) => `${COMPANY_TOKEN_PREFIX}${token.id}`));
  }

  private list(): CompanyBranch[] {
    return [...this.branches.values()].sort(bySucursal);
  }

  /** One transaction per change, with the revision that names the roll-up's bytes. */
  private write(change: () => void): void {
    const revision = this.revision + 1;
    const revisedAt = Math.max(Date.now(), this.revisedAt);
    this.ctx.storage.transactionSync(() => {
      change();
      this.setMeta("revision", revision);
      this.setMeta("revised_at", revisedAt);
    });
    this.revision = revision;
    this.revisedAt = revisedAt;
    this.live.changed(revisedAt);
    // Off the caller's path: the trailing push of a burst goes out on the alarm.
    this.ctx.waitUntil(this.scheduleAlarm());
  }

  private setMeta(key: string, value: unknown): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
  }
}
