/**
 * Keeps the company's object (src/company/company.ts) current with this branch's light figures
 * (docs/empresa.md). A report goes out after every change and whenever time alone would change
 * what it says (a chat crossing a bucket, the longest or mean wait ticking, local midnight), at
 * most one every half second: its timer runs in the branch object's one alarm, off the ingestion path.
 *
 * After a wake-up nothing is known about what the company holds, so a report is due at once:
 * a restart of either object leaves the roll-up whole without waiting for traffic.
 */
import { companyStubFor } from "../company/stub";
import type { BranchReport, GroupFigures } from "../schemas/company";
import { localDay, nextMidnightCached } from "./local-day";
import { type BranchSettings, type BranchState, splitDailyKey } from "./model";
import type { ChatIndex } from "./chat-index";
import { buildSnapshot, futureStarts, snapshotValidUntil, todaysFigures } from "./snapshot";
import type { Timer } from "./timer";
import type { ComponentView } from "./view";

/**
 * Reports go out at most this often. A company entry is as old as its report plus its time in the
 * read cache (http/snapshot-cache.ts COMPANY_FRESHNESS_MS): the two together stay within 1 s.
 */
export const REPORT_INTERVAL_MS = 500;

/** Where reports go: the company object's `report` RPC (tests may hand their own). */
export type ReportSink = (empresa: string, report: BranchReport) => Promise<void>;

export function platformSink(env: Env): ReportSink {
  return async (empresa, report) => {
    await companyStubFor(env, empresa).report(report);
  };
}

/** The departments a report names: those with open chats, and those with figures today. */
function departmentsOf(state: BranchState, index: ChatIndex, settings: BranchSettings, now: number): string[] {
  const names = new Set(index.departments.keys());
  const today = localDay(now, settings.zona_horaria);
  for (const key of state.daily.keys()) {
    const { day, department } = splitDailyKey(key);
    if (day === today && department !== null) names.add(department);
  }
  return [...names].sort();
}

function groupFigures(view: Required<ComponentView>, now: number, departamento?: string): GroupFigures {
  const { state, index, settings } = view;
  const snapshot = buildSnapshot(state, settings!, now, { detalle: false, departamento }, index);
  const group = index.group(departamento);
  const today = todaysFigures(state, settings!, now, departamento);
  return {
    resumen_general: snapshot.resumen_general,
    metricas: snapshot.metricas,
    carga_por_agente: snapshot.carga_por_agente,
    por_departamento: snapshot.por_departamento,
    wait: {
      oldestSince: group?.waiting.at(0)?.since ?? null,
      sumSince: String(group?.sumSince ?? 0n),
      count: group?.waiting.size ?? 0,
      later: group ? futureStarts(group, now) : [],
    },
    day: {
      firstResponseMs: today.firstResponseMs,
      firstResponses: today.firstResponses,
      answered: today.answered,
      answeredOnTime: today.answeredOnTime,
    },
  };
}

/** The report of the branch at `now`, and the first instant at which time alone would change it. */
export function buildReport(view: ComponentView, now: number): { report: BranchReport; validUntil: number } | null {
  const settings = view.settings;
  if (!settings) return null;
  const full = view as Required<ComponentView>;
  const departments = departmentsOf(view.state, view.index, settings, now);
  let validUntil = Math.min(snapshotValidUntil(view.index, now, { detalle: false }), nextMidnightCached(now, settings.zona_horaria));
  for (const name of departments) validUntil = Math.min(validUntil, snapshotValidUntil(view.index, now, { detalle: false, departamento: name }));
  const report: BranchReport = {
    sucursal: settings.sucursal,
    version: view.state.version,
    generatedAt: now,
    all: groupFigures(full, now),
    // Own properties through fromEntries: a department is free text.
    departments: Object.fromEntries(departments.map((name) => [name, groupFigures(full, now, name)])),
  };
  return { report, validUntil };
}

export class CompanyReporter {
  private lastSentAt = 0;
  /** Something changed since the last report (true after a wake-up: the company may be behind). */
  private dirty = true;
  private validUntil = Infinity;

  readonly timer: Timer = {
    nextAt: () => {
      if (!this.view().settings) return null;
      const earliest = this.lastSentAt + REPORT_INTERVAL_MS;
      return this.dirty ? earliest : Math.max(earliest, this.validUntil);
    },
    run: (now) => this.send(now),
  };

  constructor(
    private readonly view: () => ComponentView,
    private readonly sink: ReportSink,
  ) {}

  /** After every change of state or settings: a report is due (the alarm sends it, coalesced). */
  changed(): void {
    this.dirty = true;
  }

  private async send(now: number): Promise<void> {
    const built = buildReport(this.view(), now);
    this.lastSentAt = now;
    if (!built) return;
    const empresa = this.view().settings!.empresa;
    // Cleared before the report leaves: a change acknowledged while it is in flight is not in it,
    // and must leave a report due.
    this.dirty = false;
    try {
      await this.sink(empresa, built.report);
      this.validUntil = built.validUntil;
    } catch (error) {
      // Retried REPORT_INTERVAL_MS later; ingestion never waits for the company.
      this.dirty = true;
      console.error("company report failed", error instanceof Error ? error.name : "non-error");
    }
  }
}
