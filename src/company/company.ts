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
 * Everything is in its own SQLite and written through, so a restart loses nothing.
 */
import { DurableObject } from "cloudflare:workers";
import type { SerializedSnapshot } from "../branch/snapshot-memo";
import { BranchReport, type CompanyBranch } from "../schemas/company";
import { type RollupOptions, rollup } from "./rollup";

export type CompanyReports = { empresa: string | null; branches: CompanyBranch[]; reports: BranchReport[] };

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

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
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
  }

  private setMeta(key: string, value: unknown): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
  }
}
